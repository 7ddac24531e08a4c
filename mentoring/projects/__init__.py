"""Joint projects: work plan, milestones, outputs, impact plan and impact reports."""
