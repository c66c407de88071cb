"""Every socket event payload and REST request body or query, declared once as a pydantic model.

One module per area holds its models; `registry` maps event names and REST routes to them (the socket
dispatcher and the REST handlers validate through it) and gives their JSON Schema for the API documents.
"""
