"""The meetings pages, one module per audience: hosts, joining, the room, attendance."""
