"""`python manage.py rank_experts --need <id or external id> [--limit 20] [--json]`

Ranks experts for one need, as a moderator would see them: reasons may use fields whose
visibility is public, members or institutions, never hidden ones. With `--json` it prints
exactly the body of `GET /api/needs/<id>/matches/?limit=N` for a moderator.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from diaspora.matching.api import MAX_LIMIT, need_matches_json
from diaspora.matching.selectors import MODERATOR_LEVELS, expert_matches
from diaspora.needs.models import Need


def find_need(ref: str) -> Need:
    """A need by primary key or by external id; refuses a reference that could be either."""
    qs = Need.objects.select_related("institution", "engagement_type", "mode")
    by_pk = qs.filter(pk=int(ref)).first() if ref.isdigit() else None
    by_external = qs.filter(external_id=ref).first()
    if by_pk and by_external and by_pk.pk != by_external.pk:
        raise CommandError(
            f"{ref!r} is the id of need {by_pk.pk} and the external id of need "
            f"{by_external.pk}; give the other need's id instead."
        )
    need = by_pk or by_external
    if need is None:
        raise CommandError(f"There is no need with the id or external id {ref!r}.")
    return need


class Command(BaseCommand):
    help = (
        "Rank experts for a need, with the reasons, at moderator visibility "
        "(a field an expert hides from institutions is never used)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--need", required=True, help="The need's id or external id.")
        parser.add_argument("--limit", type=int, default=20, help="How many (1 to 100).")
        parser.add_argument(
            "--json", action="store_true", help="Print the API's JSON instead of a table."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        limit = options["limit"]
        if not 1 <= limit <= MAX_LIMIT:
            raise CommandError(f"--limit must be between 1 and {MAX_LIMIT}.")
        need = find_need(options["need"])
        matches = expert_matches(need=need, levels=MODERATOR_LEVELS, limit=limit)
        if options["json"]:
            self.stdout.write(need_matches_json(need, matches))
            return
        self.stdout.write(
            f"Need {need.pk}: {need.title} — {need.institution.name} ({need.get_status_display()})"
        )
        if not matches:
            self.stdout.write("No expert matches this need.")
            return
        width = max(len(m.profile.user.display_name) for m in matches) + 8
        self.stdout.write(f"{'Rank':>4}  {'Score':>7}  {'Expert':<{width}}  Headline")
        for rank, m in enumerate(matches, start=1):
            who = f"{m.profile.user.display_name} (#{m.profile.pk})"
            self.stdout.write(
                f"{rank:>4}  {m.ranked.score:>7.3f}  {who:<{width}}  {m.profile.headline}"
            )
            for reason in m.ranked.reasons:
                self.stdout.write(f"{'':>15}{reason.contribution:+.3f}  {reason.text()}")
