"""Each feature area wires its hooks, services and background jobs into the app here (one module each).

wire(app, deps) runs once in create_app, before the app starts: register writer batch hooks,
after-message hooks, disconnect hooks, cleanup_ctx background tasks, and set services on deps.
"""
