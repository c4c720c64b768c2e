-- The total a list of posts answers with (published posts, your own, or all for an
-- admin) is a sum over this table, which holds the number of posts per author and per
-- published state and is kept up to date by the trigger below. Counting the posts
-- themselves read every post on every request (issue #22). Concurrent writes by one
-- author take turns on that author's row; writes by different authors do not meet.
CREATE TABLE post_counts (
    author_id BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    published BOOLEAN NOT NULL,
    n         BIGINT  NOT NULL,
    PRIMARY KEY (author_id, published)
);

INSERT INTO post_counts (author_id, published, n)
    SELECT author_id, published, COUNT(*) FROM posts GROUP BY author_id, published;

CREATE FUNCTION post_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE post_counts SET n = n - 1
            WHERE author_id = OLD.author_id AND published = OLD.published;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO post_counts (author_id, published, n) VALUES (NEW.author_id, NEW.published, 1)
            ON CONFLICT (author_id, published) DO UPDATE SET n = post_counts.n + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER post_counts_follow AFTER INSERT OR DELETE OR UPDATE OF author_id, published
    ON posts FOR EACH ROW EXECUTE FUNCTION post_counts_follow();
