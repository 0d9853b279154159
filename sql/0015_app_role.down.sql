-- The grants and the role's timeout stay (they name a role this file cannot know); only the
-- function goes, and the migrate function of an older release does not call it.
DROP FUNCTION IF EXISTS grant_app_role(name, integer);
