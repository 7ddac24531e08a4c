"""The columns of the two import formats. No imports: the file generator in bench/ reads
them without setting Django up."""

EXPERT_COLUMNS = (
    "email",
    "name",
    "origin_country",
    "residence_country",
    "timezone",
    "languages",
    "disciplines",
    "keywords",
    "bio",
    "engagement_types",
    "modes",
    "hours_per_month",
)
NEED_COLUMNS = (
    "external_id",
    "institution",
    "institution_country",
    "title",
    "description",
    "disciplines",
    "keywords",
    "languages",
    "engagement_type",
    "mode",
    "experts_wanted",
    "hours",
    "start",
    "end",
)
