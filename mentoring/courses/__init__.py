"""Courses (e-training): syllabus, enrolment and waitlist, materials, certificates."""
