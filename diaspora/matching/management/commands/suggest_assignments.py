"""`python manage.py suggest_assignments [--needs 4,8,15 | --limit N] [--candidates 30] [--json]`

Proposes experts for a batch of open needs (all open ones by default, the oldest first),
maximising the total score while respecting each need's number of experts wanted and each
expert's capacity (see `diaspora.matching.assignment` for the rule). It proposes only:
nothing is written. Scores are read at moderator visibility.
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from diaspora.matching.assignment import DEFAULT_CANDIDATES, suggest_assignments


def need_ids(raw: str) -> list[int]:
    try:
        ids = [int(part) for part in raw.replace(" ", "").split(",") if part]
    except ValueError:
        raise CommandError("--needs takes need ids separated by commas, e.g. 4,8,15.") from None
    if not ids:
        raise CommandError("--needs takes at least one need id.")
    return ids


class Command(BaseCommand):
    help = "Propose experts for a batch of open needs (maximum total score; writes nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--needs", help="Only these open needs: ids separated by commas.")
        scope.add_argument("--limit", type=int, help="Only the N oldest open needs.")
        parser.add_argument(
            "--candidates",
            type=int,
            default=DEFAULT_CANDIDATES,
            help="How many of each need's best experts the solver may choose from.",
        )
        parser.add_argument("--json", action="store_true", help="Print JSON instead of text.")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = need_ids(options["needs"]) if options["needs"] is not None else None
        limit = options["limit"]
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1.")
        if options["candidates"] < 1:
            raise CommandError("--candidates must be at least 1.")
        report = suggest_assignments(need_ids=ids, limit=limit, k=options["candidates"])
        data = report.as_dict()
        if ids is not None:
            missing = sorted(set(ids) - set(report.needs))
            if missing:
                self.stderr.write(
                    "Not open or not found, left out: " + ", ".join(map(str, missing))
                )
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        plan = report.plan
        self.stdout.write(
            f"{data['needs']} needs: {plan.fully} covered fully, {plan.partly} partly, "
            f"{plan.uncovered} not at all. Total score {plan.total_score:.3f} "
            f"(solved in {plan.seconds:.2f} s)."
        )
        for item in data["assignments"]:
            need = item["need"]
            got = len(item["experts"])
            self.stdout.write(
                f"\nNeed {need['id']}: {need['title']} — {need['institution']} "
                f"[{got}/{item['wanted']}, {item['coverage']}]"
            )
            for expert in item["experts"]:
                self.stdout.write(
                    f"    {expert['score']:>7.3f}  {expert['name']} (#{expert['id']})"
                )
