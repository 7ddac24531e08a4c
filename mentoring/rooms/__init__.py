"""Live session rooms: the stored, sequenced events of a live class and what they add up to
(questions, polls, hands, slides, removals, visits)."""
