-- Admins are no longer made by registering first (a race against anyone who reaches a
-- fresh deployment): the operator makes them with ADMIN_EMAIL and ADMIN_PASSWORD at
-- start-up or `create-admin` (docs/security.md). The claim table has no use left.
DROP TABLE first_admin;
