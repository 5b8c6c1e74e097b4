"""Writes of what a review reports about its stage one without records behind it (a review
whose screening was done before or outside this app, such as the bundled one)."""

from django.db import transaction

from coding.models import Review, ScreeningSettings, Search
from coding.prisma.selectors import BOXES


@transaction.atomic
def screening_reported_load(*, review: Review, data: dict) -> bool:
    """Set a review's screening stages, criteria, reported counts and its record-less searches
    from `data` (fixtures/coproduction_screening.json's shape). Idempotent: returns whether
    anything changed. Searches are matched by source; their count stays null (not reported)
    unless `data` gives one."""
    unknown = set(data.get("reported_counts", {})) - set(BOXES)
    if unknown:
        raise ValueError(f"Unknown PRISMA boxes: {', '.join(sorted(unknown))}")
    settings, created = ScreeningSettings.objects.get_or_create(review=review)
    wanted = {"stages": data.get("stages", settings.stages),
              "criteria": data.get("criteria", ""),
              "reported_counts": data.get("reported_counts", {})}
    changed = created or any(getattr(settings, k) != v for k, v in wanted.items())
    if changed:
        for key, value in wanted.items():
            setattr(settings, key, value)
        settings.save()
    for source in data.get("sources", []):
        search = Search.objects.filter(review=review, source=source["source"]).first()
        fields = {"query": source.get("query", ""), "count": source.get("count")}
        if search is None:
            Search.objects.create(review=review, source=source["source"], **fields)
            changed = True
        elif any(getattr(search, k) != v for k, v in fields.items()):
            Search.objects.filter(pk=search.pk).update(**fields)
            changed = True
    return changed
