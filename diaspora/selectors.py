from dataclasses import dataclass

from diaspora.institutions.models import Institution
from diaspora.people.models import ExpertProfile, Visibility


@dataclass(frozen=True)
class NetworkCounts:
    experts: int
    institutions: int
    countries: int


def network_counts() -> NetworkCounts:
    """Live counts for the home page.

    Countries count only what anyone may see (institutions' countries and public expert
    countries), so the total cannot hint at a hidden value.
    """
    experts = ExpertProfile.objects.listed()
    countries = set(Institution.objects.values_list("country", flat=True))
    countries |= set(
        experts.filter(origin_country_visibility=Visibility.PUBLIC).values_list(
            "origin_country", flat=True
        )
    )
    countries |= set(
        experts.filter(residence_country_visibility=Visibility.PUBLIC).values_list(
            "residence_country", flat=True
        )
    )
    countries.discard("")
    return NetworkCounts(
        experts=experts.count(), institutions=Institution.objects.count(), countries=len(countries)
    )
