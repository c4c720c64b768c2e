-- Lists are newest first, a page at a time. With this index the database walks posts in that
-- order and stops after the page, instead of sorting every post (and building every
-- post's tag list) on each request.
CREATE INDEX posts_newest_first ON posts (created_at DESC, id DESC);
