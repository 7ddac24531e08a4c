"""Websocket transport: routing, consumers, the wire protocol, group names and broadcast."""
