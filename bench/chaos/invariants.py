"""What must hold of every finished search after the chaos, checked in
PostgreSQL (the SQL of tests/testing/population_invariants.cc, per search).
Each check is a query that counts violations: 0 means it holds."""

# (name, SQL counting violations for search %(id)s).
CHECKS = [
    ("births == budget", "SELECT (births <> budget)::int FROM searches WHERE id = %(id)s"),
    ("one individual per birth",
     "SELECT abs(count(*) - (SELECT budget FROM searches WHERE id = %(id)s)) "
     "FROM individuals WHERE search_id = %(id)s"),
    ("birth orders dense and unique",
     "SELECT (count(DISTINCT birth_order) <> count(*) OR max(birth_order) <> count(*) - 1)::int "
     "FROM individuals WHERE search_id = %(id)s"),
    ("every individual evaluated, failed or infeasible",
     "SELECT count(*) FROM individuals WHERE search_id = %(id)s "
     "AND state NOT IN ('evaluated', 'failed', 'infeasible')"),
    ("counters match the rows",
     "SELECT (s.evaluations_done <> (SELECT count(*) FROM individuals WHERE search_id = s.id "
     "AND state = 'evaluated') OR s.evaluations_failed <> (SELECT count(*) FROM individuals "
     "WHERE search_id = s.id AND state = 'failed'))::int FROM searches s WHERE s.id = %(id)s"),
    ("0 counted twice: evaluation orders 1..evaluated, unique",
     "SELECT (count(DISTINCT evaluated_order) <> count(*) OR "
     "COALESCE(max(evaluated_order), 0) <> count(*))::int FROM individuals "
     "WHERE search_id = %(id)s AND state = 'evaluated'"),
    ("0 counted twice: evaluations <= budget",
     "SELECT (evaluations_done + evaluations_failed + evaluations_infeasible > budget)::int "
     "FROM searches WHERE id = %(id)s"),
    ("0 counted twice: a done job has exactly one accepted report",
     "SELECT count(*) FROM jobs j WHERE j.search_id = %(id)s AND j.state = 'done' AND "
     "(SELECT count(*) FROM job_attempts a WHERE a.job_id = j.id AND a.outcome = 'reported') <> 1"),
    ("0 results lost: every reported attempt's individual evaluated",
     "SELECT count(*) FROM job_attempts a JOIN jobs j ON j.id = a.job_id JOIN individuals i "
     "ON i.id = j.individual_id WHERE j.search_id = %(id)s AND a.outcome = 'reported' "
     "AND i.state NOT IN ('evaluated', 'infeasible')"),
    ("job state follows its individual",
     "SELECT count(*) FROM individuals i JOIN jobs j ON j.individual_id = i.id "
     "WHERE i.search_id = %(id)s AND (i.state IN ('evaluated', 'infeasible')) <> "
     "(j.state = 'done')"),
    ("failed ones have a reason",
     "SELECT count(*) FROM individuals WHERE search_id = %(id)s AND state = 'failed' "
     "AND COALESCE(failure_reason, '') = ''"),
    ("no job left pending or leased",
     "SELECT count(*) FROM jobs WHERE search_id = %(id)s AND state IN ('pending', 'leased')"),
    ("parents were evaluated",
     "SELECT count(*) FROM individuals c JOIN individuals p ON p.id = c.parent_id "
     "WHERE c.search_id = %(id)s AND p.state <> 'evaluated'"),
    ("aging population: members leave oldest first",
     "SELECT count(*) FROM (SELECT evaluated_order, lag(evaluated_order) OVER "
     "(ORDER BY aged_out_at) prev FROM individuals WHERE search_id = %(id)s "
     "AND aged_out_at IS NOT NULL) x WHERE prev > evaluated_order"),
]

# Population size of aging-evolution searches, by kind: the live population
# after every step is the `population` members evaluated most recently.
AGING_CHECK = (
    "aging population: after every step the most recent members, no more",
    "SELECT count(*) FROM population_at_step s JOIN individuals i ON i.id = s.individual_id "
    "WHERE s.search_id = %(id)s AND (i.evaluated_order <= s.step - %(population)s "
    "OR i.evaluated_order > s.step)")


def check_search(cur, search_id, population):
    """Returns {check name: violations} for one finished search."""
    results = {}
    checks = list(CHECKS)
    if population:
        checks.append(AGING_CHECK)
    for name, sql in checks:
        cur.execute(sql, {"id": search_id, "population": population})
        results[name] = int(cur.fetchone()[0] or 0)
    return results


def check_global(cur):
    """Checks over the whole database once all is quiet: {name: violations}."""
    results = {}
    cur.execute("SELECT count(*) FROM checkpoint_chunks k WHERE k.digest NOT LIKE 'upload:%%' "
                "AND NOT EXISTS (SELECT 1 FROM checkpoints c WHERE c.digest = k.digest)")
    results["no chunk without its checkpoint"] = cur.fetchone()[0]
    return results
