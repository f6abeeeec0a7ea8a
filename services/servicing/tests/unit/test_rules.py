from datetime import date

from servicing.domain import rules


def test_months_are_added_to_the_last_day_the_month_has():
    assert rules.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert rules.add_months(date(2025, 12, 15), 12) == date(2026, 12, 15)
    assert rules.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_the_most_specific_interval_applies():
    assert rules.interval_for(6, 24, 12) == 6
    assert rules.interval_for(None, 24, 12) == 24
    assert rules.interval_for(None, None, 12) == 12
    assert rules.interval_for(None, None, None) is None


def test_next_service_date_follows_the_last_service_else_the_install_unless_set_by_hand():
    installed, serviced = date(2025, 3, 1), date(2026, 2, 10)
    assert rules.next_service_date(
        set_by_hand=None, last_service=None, installed=installed, months=12
    ) == date(2026, 3, 1)
    assert rules.next_service_date(
        set_by_hand=None, last_service=serviced, installed=installed, months=12
    ) == date(2027, 2, 10)
    assert rules.next_service_date(
        set_by_hand=date(2026, 5, 5), last_service=serviced, installed=installed, months=12
    ) == date(2026, 5, 5)
    assert (
        rules.next_service_date(set_by_hand=None, last_service=None, installed=installed, months=None) is None
    )


def test_the_stage_is_the_latest_whose_day_has_come():
    offsets = rules.Offsets(first_before=28, second_before=7, overdue_after=14)
    due = date(2026, 3, 31)
    assert rules.stage_on(due, date(2026, 3, 2), offsets) is None
    assert rules.stage_on(due, date(2026, 3, 3), offsets) == "first"
    assert rules.stage_on(due, date(2026, 3, 23), offsets) == "first"
    assert rules.stage_on(due, date(2026, 3, 24), offsets) == "second"
    assert rules.stage_on(due, date(2026, 4, 13), offsets) == "second"
    assert rules.stage_on(due, date(2026, 4, 14), offsets) == "overdue"


def test_who_is_not_reminded_and_why():
    def who(**kw):
        base = dict(
            customer_status="active", customer_blocked=False, customer_removed=False, customer_preferences={}
        )
        return rules.Recipient(**{**base, **kw})

    assert rules.skip_reason(who()) is None
    assert rules.skip_reason(who(customer_status="dormant")) == rules.SKIP_DORMANT
    assert rules.skip_reason(who(customer_blocked=True)) == rules.SKIP_BLOCKED
    no_post_no_email = {"email": False, "letter": False}
    assert rules.skip_reason(who(customer_preferences=no_post_no_email)) == rules.SKIP_OPTED_OUT
    assert rules.skip_reason(who(customer_removed=True)) == rules.SKIP_REMOVED
    assert rules.skip_reason(who(address_status="dormant")) == rules.SKIP_ADDRESS_DORMANT
    assert rules.skip_reason(who(address_status="active", address_preferences=no_post_no_email)) == (
        rules.SKIP_ADDRESS_OPTED_OUT
    )
    split = who(customer_preferences={"letter": False}, address_preferences={"email": False})
    assert rules.skip_reason(split) == rules.SKIP_NO_CHANNEL
    # sms and phone do not carry a reminder: saying no to them changes nothing
    assert rules.skip_reason(who(customer_preferences={"sms": False, "phone": False})) is None


def test_email_first_else_a_letter_by_both_preferences():
    def who(customer: dict, address: dict | None = None):
        return rules.Recipient(
            customer_status="active",
            customer_blocked=False,
            customer_removed=False,
            customer_preferences=customer,
            address_preferences=address,
        )

    assert rules.channel_for(who({})) == "email"
    assert rules.channel_for(who({"email": True, "letter": True})) == "email"
    assert rules.channel_for(who({"email": False})) == "letter"
    assert rules.channel_for(who({}, {"email": False, "letter": True})) == "letter"
    assert rules.channel_for(who({"email": False, "letter": False})) is None
    assert rules.channel_for(who({"letter": False}, {"email": False})) is None


def test_a_decision_needs_its_date_and_reason():
    today = date(2026, 3, 1)
    assert rules.decision_errors("book", None, None, today) == {"date": ["Required to book."]}
    assert rules.decision_errors("postpone", date(2026, 2, 1), None, today) == {
        "date": ["Must not be in the past."],
        "reason": ["Required to postpone."],
    }
    assert rules.decision_errors("cancel", None, " ", today) == {"reason": ["Required to cancel."]}
    assert rules.decision_errors("cancel", None, "moved house", today) == {}
