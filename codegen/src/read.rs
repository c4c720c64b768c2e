//! Read every file the scan found and analyse it: a route file's exports, or a
//! middleware file's one function. Parsing is most of the generator's time on a large
//! tree, so large trees are split across the machine's cores.

use std::path::{Path, PathBuf};

use crate::conventions::FileKind;
use crate::diagnostic::Diagnostics;
use crate::messages;
use crate::proxy_file::{self, ProxyAnalysis};
use crate::route_file::{self, MiddlewareAnalysis, RouteFileAnalysis};
use crate::scan::ScannedFile;

/// One file, read.
#[derive(Debug, Clone)]
pub struct ReadFile {
    /// Folder names from the app folder down to the file.
    pub folders: Vec<String>,
    /// Where the file is on disk, for `#[path]`.
    pub path: PathBuf,
    pub contents: Contents,
}

/// What the file turned out to hold.
#[derive(Debug, Clone)]
pub enum Contents {
    Route(RouteFileAnalysis),
    /// A middleware file has one function, checked to be there, and may declare security.
    Middleware(MiddlewareAnalysis),
    /// The proxy: its function, checked to be there, and its matcher.
    Proxy(ProxyAnalysis),
}

impl ReadFile {
    pub fn kind(&self) -> FileKind {
        match self.contents {
            Contents::Route(_) => FileKind::Route,
            Contents::Middleware(_) => FileKind::Middleware,
            Contents::Proxy(_) => FileKind::Proxy,
        }
    }
}

/// Below this many files one thread is faster than starting several.
const PARALLEL_FROM: usize = 256;

/// Reads and analyses every file, keeping their order. `display` names a file as
/// diagnostics show it.
pub fn read_all(
    files: Vec<ScannedFile>,
    display: &(dyn Fn(&Path) -> String + Sync),
    diagnostics: &mut Diagnostics,
) -> Vec<ReadFile> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if threads == 1 || files.len() < PARALLEL_FROM {
        return files
            .into_iter()
            .map(|file| read_one(file, display, diagnostics))
            .collect();
    }
    let per_thread = files.len().div_ceil(threads);
    let mut chunks = Vec::with_capacity(threads);
    let mut files = files.into_iter();
    loop {
        let chunk: Vec<ScannedFile> = files.by_ref().take(per_thread).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push(chunk);
    }
    let results: Vec<(Vec<ReadFile>, Diagnostics)> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    let mut found = Diagnostics::default();
                    let read = chunk
                        .into_iter()
                        .map(|file| read_one(file, display, &mut found))
                        .collect::<Vec<_>>();
                    (read, found)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut read = Vec::new();
    for (files, found) in results {
        read.extend(files);
        diagnostics.append(found);
    }
    read
}

/// Reads and analyses one route or middleware file. A file that cannot be read is
/// reported and kept as a route without methods, so that it is not routed.
pub fn read_one(
    file: ScannedFile,
    display: &(dyn Fn(&Path) -> String + Sync),
    diagnostics: &mut Diagnostics,
) -> ReadFile {
    let shown = display(&file.path);
    let contents = match (std::fs::read_to_string(&file.path), file.kind) {
        (Ok(source), FileKind::Route) => {
            Contents::Route(route_file::analyze(&source, &shown, diagnostics))
        }
        (Ok(source), FileKind::Middleware) => {
            Contents::Middleware(route_file::analyze_middleware(&source, &shown, diagnostics))
        }
        // Only read at the top of the app folder; elsewhere it is reported and skipped.
        (Ok(source), FileKind::Proxy) if file.folders.is_empty() => {
            Contents::Proxy(proxy_file::analyze(&source, &shown, diagnostics))
        }
        (Ok(_), FileKind::Proxy) => Contents::Proxy(ProxyAnalysis::default()),
        (Err(err), kind) => {
            diagnostics.push(messages::unreadable(&shown, &err.to_string()));
            match kind {
                FileKind::Route => Contents::Route(RouteFileAnalysis::default()),
                FileKind::Middleware => Contents::Middleware(MiddlewareAnalysis::default()),
                FileKind::Proxy => Contents::Proxy(ProxyAnalysis::default()),
            }
        }
    };
    ReadFile {
        folders: file.folders,
        path: file.path,
        contents,
    }
}
