"""What changes between two organisations; it lives in `domain.orgdiff` (the store needs it
too, and the store does not depend on the file format). Kept here for the facade."""

from omstilling.domain.orgdiff import ENTITY_ORDER, Change, Entity, diff, entity_docs

__all__ = ["ENTITY_ORDER", "Change", "Entity", "diff", "entity_docs"]
