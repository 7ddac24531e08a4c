"""Engagements: mentorships, courses, the live sessions' schedule and joint projects.

This package may import `diaspora`; `diaspora` never imports it.
"""
