"""Mentorships: the agreement, goals and tasks, the session log, feedback and fit checks."""
