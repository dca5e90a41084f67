"""Simulate a community for some days and print its community health figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.metrics import Figure
from community.simulation import (
    SimulationConfig,
    SimulationResult,
    free_prefix,
    prefix_taken,
    simulate,
)

COUNT_UNITS = {
    "threads": lambda n: ngettext("%(count)s thread", "%(count)s threads", n),
    "members": lambda n: ngettext("%(count)s member", "%(count)s members", n),
    "claims": lambda n: ngettext("%(count)s claim", "%(count)s claims", n),
    "offers": lambda n: ngettext("%(count)s offer", "%(count)s offers", n),
    "ratings": lambda n: ngettext("%(count)s rating", "%(count)s ratings", n),
    "tags": lambda n: ngettext("%(count)s tag", "%(count)s tags", n),
    "drafts": lambda n: ngettext("%(count)s draft", "%(count)s drafts", n),
}


def duration(seconds: float) -> str:
    """Seconds in the largest units that read well: 45 s, 12 min, 3 h 05 min, 2 d 4 h."""
    seconds = round(seconds)
    if seconds < 90:
        return _("%(seconds)s s") % {"seconds": seconds}
    minutes = round(seconds / 60)
    if minutes < 60:
        return _("%(minutes)s min") % {"minutes": minutes}
    if minutes < 48 * 60:
        return _("%(hours)s h %(minutes)02d min") % {
            "hours": minutes // 60,
            "minutes": minutes % 60,
        }
    hours = round(minutes / 60)
    return _("%(days)s d %(hours)s h") % {"days": hours // 24, "hours": hours % 24}


def figure_value(figure: Figure) -> str:
    """A figure's value with its unit, for people: a duration, a percentage, a count."""
    value = figure.value
    if value is None:
        return _("none")
    if figure.unit == "seconds":
        return duration(float(value))
    if figure.unit == "share":
        return _("%(percent)s %%") % {"percent": f"{100 * value:.1f}"}
    count = f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"
    if figure.unit in COUNT_UNITS and isinstance(value, int):
        return COUNT_UNITS[figure.unit](value) % {"count": count}
    return f"{count} {figure.unit}"


def figure_table(figures: list[Figure]) -> list[str]:
    """The figures as lines of an aligned table: name, value (right-aligned)."""
    rows = [(figure.name, figure_value(figure)) for figure in figures]
    heading = (_("figure"), _("value"))
    name_width = max(len(name) for name, _value in [heading, *rows])
    value_width = max(len(value) for _name, value in [heading, *rows])
    lines = [f"{heading[0]:<{name_width}}  {heading[1]:>{value_width}}"]
    lines.append(f"{'-' * name_width}  {'-' * value_width}")
    lines += [f"{name:<{name_width}}  {value:>{value_width}}" for name, value in rows]
    return lines


def moment(text: str) -> dt.datetime:
    """An ISO date (midnight UTC) or datetime (UTC without an offset)."""
    parsed = parse_datetime(text)
    if parsed is None:
        day = parse_date(text)
        if day is None:
            raise ValueError(text)
        parsed = dt.datetime.combine(day, dt.time())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


class Command(BaseCommand):
    help = (
        "Simulate a community for some days through the real services (questions, "
        "answers, comments, offers, claims, timers, ratings) on a simulated clock, then "
        "print its community health figures. It WRITES members, tags, threads and "
        "mentoring rows to the configured database: run it on a scratch database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = SimulationConfig()
        parser.add_argument("--days", type=int, default=defaults.days, help="Days to simulate.")
        parser.add_argument(
            "--mentors", type=int, default=defaults.mentors, help="Approved mentors."
        )
        parser.add_argument(
            "--newcomers", type=int, default=defaults.newcomers, help="Newcomers who ask."
        )
        parser.add_argument(
            "--questions-per-day",
            type=float,
            default=defaults.questions_per_day,
            help="Questions asked a day, on average.",
        )
        parser.add_argument(
            "--mentor-capacity",
            type=int,
            default=defaults.mentor_capacity,
            help="Claims each mentor holds at once (1-5).",
        )
        parser.add_argument(
            "--reply-hours",
            type=float,
            default=defaults.reply_hours,
            help="Mean time a mentor takes to reply after claiming, in hours (within "
            "their available hours).",
        )
        parser.add_argument(
            "--seed", type=int, default=defaults.seed, help="The same seed, the same run."
        )
        parser.add_argument(
            "--prefix",
            default=None,
            help="Start of the simulated members' and tags' names (sim-mentor-01, "
            "sim-django); by default the first free of sim, sim2, sim3...",
        )
        parser.add_argument(
            "--start",
            type=moment,
            default=None,
            help="First simulated moment, an ISO date or datetime (UTC); by default the "
            "next midnight after now, or 8 days after the latest activity in the database.",
        )
        parser.add_argument(
            "--timer-minutes",
            type=int,
            default=defaults.timer_minutes,
            help="Simulated minutes between runs of the mentoring timers (the periodic "
            "task runs every minute in production; finer is slower).",
        )
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Run even with DEBUG off (on a scratch database only).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["yes"]:
            raise CommandError(
                _(
                    "This writes simulated members and threads to the database %(name)s. "
                    "With DEBUG off, add --yes to confirm it is a scratch database."
                )
                % {"name": connection.settings_dict["NAME"]}
            )
        prefix = options["prefix"]
        if prefix is None:
            prefix = free_prefix()
        elif prefix_taken(prefix):
            raise CommandError(
                _("Members or tags named %(prefix)s-... exist already; choose another prefix.")
                % {"prefix": prefix}
            )
        config = SimulationConfig(
            days=options["days"],
            mentors=options["mentors"],
            newcomers=options["newcomers"],
            questions_per_day=options["questions_per_day"],
            mentor_capacity=options["mentor_capacity"],
            reply_hours=options["reply_hours"],
            seed=options["seed"],
            prefix=prefix,
            start=options["start"],
            timer_minutes=options["timer_minutes"],
        )
        try:
            result = simulate(config)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.report(result)

    def report(self, result: SimulationResult) -> None:
        config, counts, out = result.config, result.counts, self.stdout
        out.write(
            ngettext(
                "Simulated %(days)s days, %(since)s to %(until)s UTC, in %(database)s: "
                "%(mentors)s mentor (capacity %(capacity)s, replying in %(reply)s h on "
                "average), %(newcomers)s newcomers, %(rate)s questions a day, seed %(seed)s, "
                "names starting %(prefix)s-.",
                "Simulated %(days)s days, %(since)s to %(until)s UTC, in %(database)s: "
                "%(mentors)s mentors (capacity %(capacity)s, replying in %(reply)s h on "
                "average), %(newcomers)s newcomers, %(rate)s questions a day, seed %(seed)s, "
                "names starting %(prefix)s-.",
                config.mentors,
            )
            % {
                "days": config.days,
                "since": f"{result.since:%Y-%m-%d %H:%M}",
                "until": f"{result.until:%Y-%m-%d %H:%M}",
                "database": connection.settings_dict["NAME"],
                "mentors": config.mentors,
                "capacity": config.mentor_capacity,
                "reply": f"{config.reply_hours:g}",
                "newcomers": counts["newcomers"],
                "rate": f"{config.questions_per_day:g}",
                "seed": config.seed,
                "prefix": config.prefix,
            }
        )
        out.write(
            _(
                "Written: %(threads)s threads, %(answers)s answers, %(comments)s comments, "
                "%(accepted)s accepted; %(offers)s offers (%(declined)s declined), "
                "%(claims)s claims (%(expired)s expired, %(released)s released, "
                "%(completed)s completed, %(active)s still active); %(escalations)s "
                "escalations; %(feedback)s ratings."
            )
            % {
                "threads": counts["threads"],
                "answers": counts["answers"],
                "comments": counts["comments"],
                "accepted": counts["accepted"],
                "offers": counts["offers"],
                "declined": counts["offers_declined"],
                "claims": counts["claims"],
                "expired": counts["claims_expired"],
                "released": counts["claims_released"],
                "completed": counts["claims_completed"],
                "active": counts["claims_active"],
                "escalations": counts["escalations"],
                "feedback": counts["feedback"],
            }
        )
        if result.other_threads:
            out.write(
                self.style.WARNING(
                    ngettext(
                        "%(count)s thread not written by the simulation is in the range "
                        "and counts in the figures.",
                        "%(count)s threads not written by the simulation are in the range "
                        "and count in the figures.",
                        result.other_threads,
                    )
                    % {"count": result.other_threads}
                )
            )
        out.write("")
        out.write(
            _("Community health, %(since)s to %(until)s UTC:")
            % {
                "since": f"{result.since:%Y-%m-%d %H:%M}",
                "until": f"{result.until:%Y-%m-%d %H:%M}",
            }
        )
        for line in figure_table(result.health.figures):
            out.write(line)
        unserved = result.health.unserved_tags
        if unserved:
            out.write(
                _("Unserved tags: %(tags)s.")
                % {
                    "tags": ", ".join(
                        _("%(tag)s (%(threads)s threads, %(mentors)s mentors)")
                        % {"tag": t.tag, "threads": t.threads, "mentors": t.mentors}
                        for t in unserved
                    )
                }
            )
        out.write("")
        out.write(
            _("Took %(total)s: simulation %(simulation)s, figures %(figures)s.")
            % {
                "total": duration(result.simulation_seconds + result.figures_seconds)
                if result.simulation_seconds + result.figures_seconds >= 90
                else f"{result.simulation_seconds + result.figures_seconds:.1f} s",
                "simulation": f"{result.simulation_seconds:.1f} s",
                "figures": f"{result.figures_seconds * 1000:.0f} ms",
            }
        )
