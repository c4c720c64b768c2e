-- Lists count the posts a user may see (published, their own, or all for an admin) on
-- every request. With this index the count reads the index, a few bytes a post, instead
-- of every post's row with its content: on 10,000 posts, 1.1 ms instead of 6.3 ms per
-- count in SQLite (issue #22).
CREATE INDEX posts_visibility ON posts (published, author_id);
