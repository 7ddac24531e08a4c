"""Engagements of every kind: status, participants, invitations and the one timeline."""
