"""Rebuild the dashboard's precomputed counts (coding.public.counts) from scratch."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from coding.models import Review
from coding.public.counts import dashboard_counts_rebuild


class Command(BaseCommand):
    help = _("Rebuild the dashboard counts of one review (--review SLUG) or of every review.")

    def add_arguments(self, parser):
        parser.add_argument("--review", help=_("Slug of the review (default: every review)."))

    def handle(self, *args, review=None, **options):
        reviews = Review.objects.order_by("pk")
        if review is not None:
            reviews = reviews.filter(slug=review)
            if not reviews.exists():
                raise CommandError(_("No review with slug %(slug)r.") % {"slug": review})
        for target in reviews:
            start = time.perf_counter()
            cases = dashboard_counts_rebuild(target)
            self.stdout.write(_("%(slug)s: dashboard counts of %(cases)d cases rebuilt in "
                                "%(seconds).2f s.") % {
                "slug": target.slug, "cases": cases,
                "seconds": time.perf_counter() - start})
