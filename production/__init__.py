"""Production: turning a topic of a lesson into files (render, post-process, cache, batch, page)."""
