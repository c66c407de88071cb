"""Socket.IO transport: the event table, connect/auth, the ack envelope."""
