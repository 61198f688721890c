"""The review at the end of `connector demo`: the demo portal judged as `connector review` would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connector.review import portal_source
from connector.review.dataset import OutcomeSpec
from connector.rules import RuleSet
from connector.settings import Settings

#: Longer than the seeded portal's history (three years), so every demo contact is reviewed.
DEMO_PERIOD = timedelta(days=4 * 365)


def print_demo_review(settings: Settings, rules: RuleSet) -> None:
    """Read the demo portal's leads and outcomes (read-only) and print the review's summary.

    Its own gateway and state-store connection, so the sync's call counts stay the sync's.
    """
    try:  # the statistics live in the optional `review` extra
        from connector.review.report import build_review
        from connector.review.text_report import summary_text
    except ImportError as missing:
        print(
            f"\nReview skipped: {missing.name} is not installed "
            "(pip install -e '.[review]', or `make demo`)."
        )
        return
    now = datetime.now(UTC)
    period = (now - DEMO_PERIOD, now)
    labels: dict[str, str] = {}  # HubSpot's labels, as the admin knows the properties
    leads = portal_source.read_portal_leads(
        settings, rules, *period, OutcomeSpec(), now=now, labels=labels
    )
    review = build_review(
        leads, rules, now=now, segment_by=portal_source.SEGMENT_PROPERTIES, labels=labels
    )
    print(
        "\nReview of the demo portal: how well the rules find the leads that became "
        "opportunities (`connector review`; it writes nothing to HubSpot):"
    )
    print(summary_text(review))
