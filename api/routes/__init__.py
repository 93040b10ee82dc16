"""The API's routers, one per domain, each a thin call into one service."""
