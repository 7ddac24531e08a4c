"""Live sessions' schedule, attendance, iCalendar feeds and reminders."""
