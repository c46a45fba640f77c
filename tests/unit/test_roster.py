"""Roster: who counts as an approver or requester, with user-group lookups cached."""

from __future__ import annotations

from collections.abc import Iterable

from commands.roster import Roster


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeGroups:
    """`usergroups.users.list`, in memory, counting calls; can be made to fail."""

    def __init__(self, **groups: list[str]) -> None:
        self.groups = dict(groups)
        self.asked: list[str] = []
        self.broken = False

    def __call__(self, group: str) -> Iterable[str]:
        self.asked.append(group)
        if self.broken:
            raise ConnectionError("slack is down")
        return list(self.groups.get(group, []))


def test_listed_user_ids_are_in_and_others_are_not() -> None:
    groups = FakeGroups()
    roster = Roster(["U0A", " W0B ", ""], groups)
    assert roster.includes("U0A") and roster.includes("W0B")
    assert not roster.includes("U0C")
    assert groups.asked == []  # no groups configured, no lookups


def test_group_members_are_in() -> None:
    groups = FakeGroups(S0FIN=["U0G1", "U0G2"])
    roster = Roster(["U0A", "S0FIN"], groups)
    assert roster.includes("U0G1")
    assert not roster.includes("U0X")
    assert roster.users == frozenset({"U0A"}) and roster.groups == ("S0FIN",)


def test_a_listed_user_needs_no_group_lookup() -> None:
    groups = FakeGroups(S0FIN=["U0G1"])
    assert Roster(["U0A", "S0FIN"], groups).includes("U0A")
    assert groups.asked == []


def test_group_members_are_cached_for_the_ttl() -> None:
    clock, groups = FakeClock(), FakeGroups(S0FIN=["U0G1"])
    roster = Roster(["S0FIN"], groups, ttl=300, clock=clock)
    assert roster.includes("U0G1")
    clock.now += 299
    groups.groups["S0FIN"] = ["U0NEW"]
    assert roster.includes("U0G1") and not roster.includes("U0NEW")
    assert groups.asked == ["S0FIN"]
    clock.now += 2
    assert roster.includes("U0NEW") and not roster.includes("U0G1")
    assert groups.asked == ["S0FIN", "S0FIN"]


def test_a_failing_first_lookup_lets_nobody_in() -> None:
    groups = FakeGroups(S0FIN=["U0G1"])
    groups.broken = True
    roster = Roster(["S0FIN"], groups)
    assert not roster.includes("U0G1")


def test_a_failing_lookup_keeps_the_last_known_members() -> None:
    clock, groups = FakeClock(), FakeGroups(S0FIN=["U0G1"])
    roster = Roster(["S0FIN"], groups, ttl=10, clock=clock)
    assert roster.includes("U0G1")
    clock.now += 11
    groups.broken = True
    assert roster.includes("U0G1")
    assert not roster.includes("U0X")


def test_a_failed_lookup_is_retried_on_the_next_check() -> None:
    groups = FakeGroups(S0FIN=["U0G1"])
    groups.broken = True
    roster = Roster(["S0FIN"], groups)
    assert not roster.includes("U0G1")
    groups.broken = False
    assert roster.includes("U0G1")


def test_empty_requesters_means_everyone() -> None:
    groups = FakeGroups()
    roster = Roster(["", " "], groups, everyone_if_empty=True)
    assert roster.includes("U0ANYONE")
    assert groups.asked == []


def test_an_empty_approver_list_lets_nobody_in() -> None:
    assert not Roster([], FakeGroups()).includes("U0ANYONE")


def test_a_non_empty_requester_list_is_a_real_list() -> None:
    roster = Roster(["U0A"], FakeGroups(), everyone_if_empty=True)
    assert roster.includes("U0A") and not roster.includes("U0B")
