"""The HTTP side of every API function: the resolver, request guards, validation, the fallback route."""
