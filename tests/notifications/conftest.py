from tests.matches.conftest import (  # noqa: F401 (fixtures)
    dana,
    eve,
    frank,
    make_expert,
    matching_index,
    need,
)
