"""Render the benchmark results as Markdown tables."""

from __future__ import annotations


def render(results: list[dict]) -> str:
    """The whole report: a header, then one section per area."""
    lines = ["# Benchmark report", ""]
    lines += [
        "Every figure was measured on the machine named in its section, in one run, against a",
        "baseline measured in the same run. Regenerate with `make bench`.",
        "",
    ]
    for result in results:
        lines += [*RENDERERS[result["area"]](result), ""]
    return "\n".join(lines)


def _header(result: dict, title: str) -> list[str]:
    machine = result["machine"]
    return [
        f"## {title}",
        "",
        f"Measured {result['measured_at']} on {machine['cores']} cores, Python {machine['python']}"
        f"; command: `{result['command']}`.",
        "",
    ]


def _throughput(result: dict) -> list[str]:
    settings = result["settings"]
    lines = _header(result, "Public pages: throughput and latency")
    lines += [
        f"gunicorn with {settings['gunicorn_workers']} workers on SQLite, wrk with "
        f"{settings['connections']} connections for {settings['seconds']} s per URL, after a "
        "warm-up. Baseline: a bare Flask app rendering a small template under the same gunicorn "
        "settings, measured right before each page. Targets: ratio >= "
        f"{result['targets']['ratio']:.0%}, p99 < {result['targets']['p99_ms']} ms. With 32 "
        "connections on 2 cores that wrk shares, latency is about connections / throughput "
        "(Little's law), which is why the baseline's own p99 is shown beside each page's.",
        "",
        "| page | visitor | req/s | baseline req/s | ratio | p50 ms | p99 ms | baseline p99 ms "
        "| errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in result["rows"]:
        errors = sum(
            row[key]
            for key in ("connect_errors", "read_errors", "write_errors", "timeouts", "non_2xx_3xx")
        )
        lines.append(
            f"| `{row['page']}` | {row['visitor']} | {row['rps']:.0f} | "
            f"{row['baseline_rps']:.0f} | "
            f"{row['ratio']:.0%} | {row['p50_us'] / 1000:.1f} | {row['p99_us'] / 1000:.1f} | "
            f"{row['baseline_p99_us'] / 1000:.1f} | {errors} |"
        )
    return lines


def _page_quality(result: dict) -> list[str]:
    targets = result["targets"]
    lines = _header(result, "Page quality: Lighthouse")
    lines += [
        f"Lighthouse {result['lighthouse']} with Debian's Chromium against the site under "
        "gunicorn, first visit (no cookie choice). Targets: "
        f"{targets['score']} in every category, at most {targets['home_bytes'] // 1000} KB for "
        f"the home page, {targets['third_party_requests']} requests to other hosts.",
        "",
        "| page | device | perf. | a11y | best pr. | SEO | KB | requests | other hosts | failed |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in result["rows"]:
        scores = row["scores"]
        lines.append(
            f"| `{row['page']}` | {row['form_factor']} | {scores['performance']} | "
            f"{scores['accessibility']} | {scores['best-practices']} | {scores['seo']} | "
            f"{row['transferred_bytes'] / 1000:.1f} | {row['requests']} | "
            f"{row['third_party_requests']} | {', '.join(row['failed_audits']) or '-'} |"
        )
    return lines


def _load(result: dict) -> list[str]:
    lines = _header(result, "Load without loss: call-back requests")
    lines += [
        "gunicorn with 2 workers, its real mail path to a local SMTP sink, the rate limit raised "
        "for the run. Each submission has a unique name; afterwards the database is counted. "
        "Targets: 0 lost, 0 duplicated, 0 server errors.",
        "",
        "| database | submissions | concurrency | per second | statuses | stored | lost | "
        "duplicated | 5xx | mails |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in result["rows"]:
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(row["statuses"].items()))
        lines.append(
            f"| {row['database']} | {row['count']} | {row['concurrency']} | "
            f"{row['per_second']:.0f} | {statuses} | {row['rows']} | {row['lost']} | "
            f"{row['duplicated']} | {row['server_errors']} | {row['mails']} |"
        )
    return lines


def _faults(result: dict) -> list[str]:
    lines = _header(result, "Faults under load")
    lines += [
        "8 clients post call-back requests for the whole run against gunicorn (2 workers). "
        "PostgreSQL is taken away through a TCP relay that resets every connection and refuses "
        "new ones, then brought back; the mail scenarios run on SQLite. Targets: 0 lost, 0 "
        "duplicated, no status but 303 and the translated 503, and recovery without a restart.",
        "",
        "| scenario | submissions | statuses | stored | lost | duplicated | other errors "
        "| recovered |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in result["rows"]:
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(row["statuses"].items()))
        lines.append(
            f"| {row['scenario']} | {row['submissions']} | {statuses} | {row['stored']} | "
            f"{row['lost']} | {row['duplicated']} | {row['unexpected_errors']} | "
            f"{'yes' if row['recovered'] else 'no'} |"
        )
    return lines


def _staff_search(result: dict) -> list[str]:
    lines = _header(result, "Staff: list and search pages with a large register")
    lines += [
        f"{result['companies']:,} companies and {result['contacts']:,} contacts, server time "
        "in-process (WSGI call to response), 30 requests per page after a warm-up. Target: "
        f"median under {result['targets']['median_ms']:.0f} ms. These are absolute times on "
        "this machine, as the target is.",
        "",
    ]
    names = list(result["rows"][0]["results"])
    header = " | ".join(f"{row['database']} median ms | p95 ms" for row in result["rows"])
    lines += [f"| page | {header} |", "| --- |" + " ---: | ---: |" * len(result["rows"])]
    for name in names:
        cells = " | ".join(
            f"{row['results'][name]['median_ms']:.1f} | {row['results'][name]['p95_ms']:.1f}"
            for row in result["rows"]
        )
        lines.append(f"| {name} | {cells} |")
    return lines


def _newsletter(result: dict) -> list[str]:
    lines = _header(result, "Newsletter sending: the outbox worker against a bare smtplib loop")
    lines += [
        "Each subscriber gets one newsletter (about 3 KB, Swedish or English) from the outbox "
        'worker (production settings, no rate limit), which commits "sending" for a window of '
        "rows before their messages go out, and their outcomes after. Baseline: "
        "smtplib.SMTP.sendmail over one connection, a message of the same size to as many "
        "addresses, before and after the worker (the mean is used); each phase has its own SMTP "
        "sink process, which counts what arrives. Target: ratio >= "
        f"{result['targets']['ratio']:.0%}, no duplicates.",
        "",
        "| database | recipients | worker msg/s | baseline msg/s | ratio | delivered | "
        "duplicates | statuses |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in result["rows"]:
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(row["statuses"].items()))
        lines.append(
            f"| {row['database']} | {row['count']} | {row['worker_per_second']:.0f} | "
            f"{row['baseline_per_second']:.0f} | {row['ratio']:.0%} | {row['delivered']} | "
            f"{row['duplicates']} | {statuses} |"
        )
    return lines


RENDERERS = {
    "staff_search": _staff_search,
    "throughput": _throughput,
    "page_quality": _page_quality,
    "load": _load,
    "faults": _faults,
    "newsletter": _newsletter,
}
