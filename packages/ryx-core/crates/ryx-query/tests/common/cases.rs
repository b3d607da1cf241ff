//! The snapshot cases. Each takes a dialect and returns the rendered SQL and parameters.

use super::{show, show_all};
use ryx_query::*;

fn c(path: &str, v: impl Into<Value>) -> Cond {
    Cond::parse(path, v.into()).expect("valid path")
}

fn list(items: Vec<Value>) -> Value {
    Value::List(items)
}

fn json(text: &str) -> Value {
    Value::Json(text.to_owned())
}

fn col(name: &str) -> Expr {
    Expr::col(name)
}

fn conds(d: &dyn Dialect, items: Vec<Cond>) -> String {
    show_all(items.iter().map(|c| compile_condition(c, d)))
}

fn parsed(d: &dyn Dialect, items: Vec<(&str, Value)>) -> String {
    show_all(
        items
            .into_iter()
            .map(|(p, v)| Cond::parse(p, v).and_then(|c| compile_condition(&c, d))),
    )
}

fn posts() -> Query {
    Query::new("posts")
}

// ---------------------------------------------------------------- SELECT

pub fn select_all(d: &dyn Dialect) -> String {
    show_all([
        compile_select(&posts(), d),
        compile_select(&posts().filter(c("active", true)), d),
    ])
}

pub fn select_columns_and_aliases(d: &dyn Dialect) -> String {
    let q = Query::new("posts")
        .alias("p")
        .add_column(col("p.id"), None)
        .add_column(col("title"), Some("headline"))
        .add_column(col("p.*"), None)
        .filter(c("p.views__gte", 10));
    let weird = Query::new("we\"ird`table").add_column(col("co\"l`x"), Some("a\"b"));
    show_all([compile_select(&q, d), compile_select(&weird, d)])
}

pub fn select_joins(d: &dyn Dialect) -> String {
    let q = posts()
        .join(
            JoinKind::Inner,
            TableRef::new("authors").alias("a"),
            Cond::lookup(col("posts.author_id"), "exact", col("a.id")),
        )
        .join(
            JoinKind::Left,
            TableRef::new("categories"),
            Cond::lookup(col("posts.category_id"), "exact", col("categories.id"))
                .and(c("categories.visible", true)),
        )
        .filter(c("a.name__istartswith", "jo"))
        .order_by(col("a.name"), false);
    show(compile_select(&q, d))
}

pub fn select_subqueries(d: &dyn Dialect) -> String {
    // Correlated EXISTS / NOT EXISTS, IN (subquery) and a scalar COUNT subquery, with parameters on both
    // sides of each subquery so their numbering through the statement shows.
    let posts_of_author = |views: i64| {
        Query::new("posts")
            .alias("p2")
            .add_column(Expr::raw("1", vec![]), None)
            .filter(
                Cond::lookup(col("p2.author_id"), "exact", col("a.id"))
                    .and(c("p2.views__gte", views)),
            )
    };
    let exists = Query::new("authors")
        .alias("a")
        .filter(c("a.active", true))
        .filter(Cond::exists(posts_of_author(10)))
        .filter(Cond::exists(posts_of_author(99)).not())
        .limit(Some(5));
    let in_sub = Query::new("authors")
        .filter(Cond::lookup(
            col("id"),
            "in",
            Expr::subquery(
                Query::new("posts")
                    .add_column(col("author_id"), None)
                    .filter(c("title__icontains", "rust")),
            ),
        ))
        .filter(c("name__startswith", "A"));
    let count = Query::new("authors")
        .add_column(col("authors.id"), None)
        .add_column(
            Expr::subquery(
                Query::new("posts")
                    .add_column(Expr::count_star(), None)
                    .filter(Cond::lookup(
                        col("posts.author_id"),
                        "exact",
                        col("authors.id"),
                    ))
                    .filter(c("posts.views__gt", 3)),
            ),
            Some("n_posts"),
        )
        .filter(c("authors.id__lt", 100))
        .order_by(col("n_posts"), true);
    show_all([
        compile_select(&exists, d),
        compile_select(&in_sub, d),
        compile_select(&count, d),
        compile_count(&exists, d),
    ])
}

pub fn select_distinct(d: &dyn Dialect) -> String {
    let q = posts()
        .add_column(col("author_id"), None)
        .distinct(true)
        .order_by(col("author_id"), true);
    show(compile_select(&q, d))
}

pub fn select_group_by_having(d: &dyn Dialect) -> String {
    let q = posts()
        .add_column(col("author_id"), None)
        .add_column(Expr::count_star(), Some("n"))
        .add_column(
            Expr::agg(AggFunc::Count, col("category_id"), true),
            Some("cats"),
        )
        .add_column(Expr::agg(AggFunc::Sum, col("views"), false), Some("total"))
        .add_column(Expr::agg(AggFunc::Avg, col("views"), false), Some("mean"))
        .add_column(
            Expr::agg(AggFunc::Min, col("created"), false),
            Some("first"),
        )
        .add_column(Expr::agg(AggFunc::Max, col("created"), false), Some("last"))
        .filter(c("active", true))
        .group_by(col("author_id"))
        .having(Cond::lookup(Expr::count_star(), "gt", Expr::value(2)))
        .having(Cond::lookup(
            Expr::agg(AggFunc::Sum, col("views"), false),
            "lte",
            Expr::value(1000),
        ))
        .order_by(col("author_id"), false);
    show(compile_select(&q, d))
}

pub fn select_order_limit_offset(d: &dyn Dialect) -> String {
    let order = ["-views", "title", "posts.id"].map(Query::parse_order);
    let mut q = posts().filter(c("active", true));
    for o in order {
        q = q.order_by(o.expr, o.desc);
    }
    show_all([
        compile_select(&q.clone().limit(Some(10)).offset(Some(20)), d),
        compile_select(&q.clear_order_by().limit(Some(5)), d),
    ])
}

pub fn select_offset_only(d: &dyn Dialect) -> String {
    show(compile_select(
        &posts().order_by(col("id"), false).offset(Some(5)),
        d,
    ))
}

pub fn select_limit_only(d: &dyn Dialect) -> String {
    show(compile_select(&posts().limit(Some(1)), d))
}

pub fn select_for_update(d: &dyn Dialect) -> String {
    let q = posts().filter(c("id", 1));
    let lock = |f: fn(&mut Lock)| {
        let mut l = Lock::default();
        f(&mut l);
        q.clone().lock(Some(l))
    };
    show_all([
        compile_select(&lock(|_| {}), d),
        compile_select(&lock(|l| l.nowait = true), d),
        compile_select(&lock(|l| l.skip_locked = true), d),
        compile_select(&lock(|l| l.of = vec!["posts".into()]), d),
        compile_select(&lock(|l| l.share = true), d),
        compile_select(&lock(|l| (l.nowait, l.skip_locked) = (true, true)), d),
    ])
}

pub fn select_expressions(d: &dyn Dialect) -> String {
    let views = col("views");
    let q = posts()
        .add_column((views.clone() + Expr::value(1)) * Expr::value(2), Some("a"))
        .add_column(views.clone() + Expr::value(1) * Expr::value(2), Some("b"))
        .add_column(views.clone() - (col("likes") - Expr::value(1)), Some("c"))
        .add_column(views.clone() - col("likes") - Expr::value(1), Some("d"))
        .add_column(-(views.clone() + Expr::value(1)), Some("e"))
        .add_column(-(-views.clone()), Some("f"))
        .add_column(views.clone() % Expr::value(7) / Expr::value(2), Some("g"))
        .add_column(Expr::func(Func::Lower, vec![col("title")]), Some("lower"))
        .add_column(Expr::func(Func::Upper, vec![col("title")]), Some("upper"))
        .add_column(Expr::func(Func::Length, vec![col("title")]), Some("len"))
        .add_column(Expr::func(Func::Trim, vec![col("title")]), Some("trimmed"))
        .add_column(Expr::func(Func::Abs, vec![-views.clone()]), Some("abs"))
        .add_column(
            Expr::func(Func::Round, vec![col("score"), Expr::value(2)]),
            Some("rounded"),
        )
        .add_column(
            Expr::func(Func::Coalesce, vec![col("subtitle"), Expr::value("none")]),
            Some("sub"),
        )
        .add_column(
            Expr::func(Func::NullIf, vec![col("views"), Expr::value(0)]),
            Some("nz"),
        )
        .add_column(
            Expr::func(
                Func::Concat,
                vec![col("title"), Expr::value(" - "), col("slug")],
            ),
            Some("label"),
        )
        .add_column(
            Expr::func(Func::Greatest, vec![col("views"), col("likes")]),
            Some("hi"),
        )
        .add_column(
            Expr::func(Func::Least, vec![col("views"), col("likes")]),
            Some("lo"),
        )
        .add_column(Expr::func(Func::Now, vec![]), Some("now"));
    show_all([
        compile_select(&q, d),
        compile_expr(&Expr::func(Func::Coalesce, vec![col("a")]), d),
        compile_expr(
            &Expr::Agg {
                func: AggFunc::Sum,
                arg: None,
                distinct: false,
            },
            d,
        ),
    ])
}

pub fn select_raw_fragments(d: &dyn Dialect) -> String {
    let q = posts()
        .add_column(
            Expr::raw("views * ? + 1", vec![Value::Int(3)]),
            Some("boosted"),
        )
        .add_column(Expr::raw("'what?' || title", vec![]), Some("q"))
        .filter(Cond::raw("views > ? OR title = '?'", vec![Value::Int(5)]))
        .filter(c("id__lt", 100))
        .filter(Cond::lookup(
            Expr::raw("views + ?", vec![Value::Int(1)]),
            "gt",
            Expr::value(10),
        ));
    show_all([
        compile_select(&q, d),
        compile_select(
            &posts().filter(Cond::raw("a = ? AND b = ?", vec![Value::Int(1)])),
            d,
        ),
        compile_select(&posts().filter(Cond::raw("a = $1", vec![Value::Int(1)])), d),
    ])
}

// ---------------------------------------------------------------- COUNT / EXISTS

pub fn count_plain(d: &dyn Dialect) -> String {
    show(compile_count(
        &posts().filter(c("active", true)).order_by(col("id"), false),
        d,
    ))
}

pub fn count_sliced(d: &dyn Dialect) -> String {
    let q = posts().filter(c("active", true)).order_by(col("id"), false);
    show_all([
        compile_count(&q.clone().limit(Some(2)), d),
        compile_count(&q.offset(Some(3)), d),
    ])
}

pub fn count_distinct(d: &dyn Dialect) -> String {
    show_all([
        compile_count(
            &posts().add_column(col("author_id"), None).distinct(true),
            d,
        ),
        compile_count(&posts().distinct(true), d),
    ])
}

pub fn count_grouped(d: &dyn Dialect) -> String {
    let q = posts()
        .add_column(col("author_id"), None)
        .add_column(Expr::count_star(), Some("n"))
        .group_by(col("author_id"))
        .having(Cond::lookup(Expr::count_star(), "gt", Expr::value(1)));
    show(compile_count(&q, d))
}

pub fn count_joined(d: &dyn Dialect) -> String {
    let q = posts()
        .join(
            JoinKind::Inner,
            TableRef::new("authors"),
            Cond::lookup(col("posts.author_id"), "exact", col("authors.id")),
        )
        .filter(c("authors.active", true));
    show(compile_count(&q, d))
}

pub fn exists_plain(d: &dyn Dialect) -> String {
    show(compile_exists(
        &posts()
            .filter(c("title__contains", "rust"))
            .order_by(col("id"), true)
            .distinct(true),
        d,
    ))
}

pub fn exists_sliced(d: &dyn Dialect) -> String {
    show_all([
        compile_exists(
            &posts()
                .order_by(col("id"), false)
                .offset(Some(10))
                .limit(Some(5)),
            d,
        ),
        compile_exists(&posts().limit(Some(0)), d),
    ])
}

// ---------------------------------------------------------------- DELETE / UPDATE

pub fn delete_plain(d: &dyn Dialect) -> String {
    show_all([
        compile_delete(
            &posts()
                .filter(c("views__lt", 10))
                .order_by(col("id"), false),
            Some("id"),
            d,
        ),
        compile_delete(&posts(), None, d),
        compile_delete(
            &posts()
                .schema("blog")
                .filter(c("id__in", list(vec![1.into(), 2.into()]))),
            None,
            d,
        ),
    ])
}

pub fn delete_sliced(d: &dyn Dialect) -> String {
    let q = posts()
        .filter(c("active", false))
        .order_by(col("created"), false)
        .limit(Some(1));
    show(compile_delete(&q, Some("id"), d))
}

pub fn delete_offset_only(d: &dyn Dialect) -> String {
    show(compile_delete(
        &posts().order_by(col("id"), true).offset(Some(100)),
        Some("id"),
        d,
    ))
}

pub fn delete_joined(d: &dyn Dialect) -> String {
    let q = posts()
        .join(
            JoinKind::Inner,
            TableRef::new("authors"),
            Cond::lookup(col("posts.author_id"), "exact", col("authors.id")),
        )
        .filter(c("authors.banned", true));
    show(compile_delete(&q, Some("id"), d))
}

pub fn delete_errors(d: &dyn Dialect) -> String {
    show_all([
        compile_delete(&posts().limit(Some(1)), None, d),
        compile_delete(&posts().group_by(col("author_id")), None, d),
    ])
}

pub fn update_plain(d: &dyn Dialect) -> String {
    let set = vec![
        ("title".to_owned(), Expr::value("new")),
        ("flag".to_owned(), Expr::value(Value::Null)),
    ];
    show(compile_update(&posts().filter(c("id", 7)), &set, None, d))
}

pub fn update_expression(d: &dyn Dialect) -> String {
    let set = vec![
        ("views".to_owned(), col("views") + Expr::value(1)),
        (
            "posts.score".to_owned(),
            col("score") * (col("views") - Expr::value(1)),
        ),
    ];
    show(compile_update(
        &posts().filter(c("active", true)),
        &set,
        Some("id"),
        d,
    ))
}

pub fn update_sliced(d: &dyn Dialect) -> String {
    let set = vec![("featured".to_owned(), Expr::value(true))];
    let q = posts()
        .filter(c("active", true))
        .order_by(col("views"), true)
        .limit(Some(3));
    show(compile_update(&q, &set, Some("id"), d))
}

pub fn update_errors(d: &dyn Dialect) -> String {
    let set = vec![("x".to_owned(), Expr::value(1))];
    show_all([
        compile_update(&posts(), &[], None, d),
        compile_update(&posts().limit(Some(1)), &set, None, d),
        compile_update(
            &posts(),
            &[("authors.name".to_owned(), Expr::value("x"))],
            None,
            d,
        ),
    ])
}

// ---------------------------------------------------------------- INSERT

fn insert(columns: &[&str]) -> Insert {
    Insert::new("posts", columns.iter().map(|c| (*c).to_owned()).collect())
}

fn row(values: Vec<Value>) -> Vec<Expr> {
    values.into_iter().map(Expr::Value).collect()
}

pub fn insert_one(d: &dyn Dialect) -> String {
    let ins =
        insert(&["title", "views", "body"]).row(row(vec!["hello".into(), 0.into(), Value::Null]));
    show(compile_insert(&ins, d))
}

pub fn insert_many(d: &dyn Dialect) -> String {
    let ins = insert(&["title", "views"])
        .row(row(vec!["a".into(), 1.into()]))
        .row(vec![
            Expr::value("b"),
            Expr::raw("? * 2", vec![Value::Int(2)]),
        ])
        .row(row(vec!["c".into(), 3.into()]));
    show(compile_insert(&ins, d))
}

pub fn insert_returning(d: &dyn Dialect) -> String {
    let ins = insert(&["title"])
        .row(row(vec!["a".into()]))
        .returning(vec!["id".into(), "created".into()]);
    show(compile_insert(&ins, d))
}

pub fn insert_ignore(d: &dyn Dialect) -> String {
    let base = insert(&["slug", "title"]).row(row(vec!["s".into(), "t".into()]));
    show_all([
        compile_insert(
            &base
                .clone()
                .on_conflict(Some(OnConflict::Ignore { target: vec![] })),
            d,
        ),
        compile_insert(
            &base
                .on_conflict(Some(OnConflict::Ignore {
                    target: vec!["slug".into()],
                }))
                .returning(vec!["id".into()]),
            d,
        ),
    ])
}

pub fn insert_upsert(d: &dyn Dialect) -> String {
    let ins = insert(&["slug", "title", "views"])
        .row(row(vec!["s".into(), "t".into(), 1.into()]))
        .row(row(vec!["u".into(), "v".into(), 2.into()]))
        .on_conflict(Some(OnConflict::Update {
            target: vec!["slug".into()],
            update: vec!["title".into(), "views".into()],
        }))
        .returning(vec!["id".into()]);
    show(compile_insert(&ins, d))
}

pub fn insert_default_values(d: &dyn Dialect) -> String {
    let ins = Insert::new(TableRef::new("events").schema("audit"), vec![])
        .row(vec![])
        .returning(vec!["id".into()]);
    show(compile_insert(&ins, d))
}

pub fn insert_errors(d: &dyn Dialect) -> String {
    show_all([
        compile_insert(&insert(&["a"]), d),
        compile_insert(&insert(&["a", "b"]).row(row(vec![1.into()])), d),
        compile_insert(&Insert::new("t", vec![]).row(vec![]).row(vec![]), d),
        compile_insert(
            &insert(&["a"])
                .row(row(vec![1.into()]))
                .on_conflict(Some(OnConflict::Update {
                    target: vec![],
                    update: vec!["a".into()],
                })),
            d,
        ),
        compile_insert(
            &insert(&["a"])
                .row(row(vec![1.into()]))
                .on_conflict(Some(OnConflict::Update {
                    target: vec!["a".into()],
                    update: vec![],
                })),
            d,
        ),
    ])
}

/// One line per batch (rows, params), then the last batch in full.
fn summarize(batches: Result<Vec<Compiled>, QueryError>, per_row: usize) -> String {
    match batches {
        Err(e) => format!("ERROR: {e}"),
        Ok(b) => {
            let mut out: Vec<String> = b
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    format!(
                        "batch {i}: {} rows, {} params",
                        c.params.len() / per_row,
                        c.params.len()
                    )
                })
                .collect();
            if let Some(last) = b.last() {
                out.push(show(Ok(last.clone())));
            }
            out.join("\n")
        }
    }
}

pub fn insert_batches(d: &dyn Dialect) -> String {
    let max = d.features().max_params;
    // Three parameters per row: exactly enough rows for one full statement, plus two more.
    let rows = max / 3 + 2;
    let ins = insert(&["a", "b", "c"])
        .rows((0..rows).map(|i| row(vec![Value::Int(i as i64), Value::Int(0), Value::Int(1)])))
        .returning(vec!["id".into()]);
    let defaults = Insert::new("t", vec![]).row(vec![]).row(vec![]);
    let mut out = summarize(compile_insert_batches(&ins, d), 3);
    out.push_str("\n\n");
    out.push_str(&show_all(
        compile_insert_batches(&defaults, d)
            .unwrap_or_default()
            .into_iter()
            .map(Ok),
    ));
    out
}

pub fn bulk_update(d: &dyn Dialect) -> String {
    let rows = vec![
        (Value::Int(1), vec![Value::Text("a".into()), Value::Int(10)]),
        (Value::Int(2), vec![Value::Text("b".into()), Value::Null]),
    ];
    let cols = vec!["title".to_owned(), "views".to_owned()];
    show_all(
        compile_bulk_update(
            &TableRef::new("posts").schema("blog"),
            "id",
            &cols,
            &rows,
            d,
        )
        .map_or_else(|e| vec![Err(e)], |v| v.into_iter().map(Ok).collect()),
    )
}

pub fn bulk_update_chunks(d: &dyn Dialect) -> String {
    let max = d.features().max_params;
    let per_row = 2 * 2 + 1;
    let n = max / per_row + 1;
    let rows: Vec<(Value, Vec<Value>)> = (0..n)
        .map(|i| (Value::Int(i as i64), vec![Value::Int(1), Value::Int(2)]))
        .collect();
    let cols = vec!["a".to_owned(), "b".to_owned()];
    let mut out = summarize(
        compile_bulk_update(&TableRef::new("t"), "id", &cols, &rows, d),
        per_row,
    );
    out.push_str("\n\n");
    out.push_str(&show_all([
        compile_bulk_update(&TableRef::new("t"), "id", &cols, &[], d).map(|v| Compiled {
            sql: format!("{} statements", v.len()),
            params: vec![],
        }),
        compile_bulk_update(&TableRef::new("t"), "id", &[], &rows[..1], d).map(|v| v[0].clone()),
        compile_bulk_update(
            &TableRef::new("t"),
            "id",
            &cols,
            &[(Value::Int(1), vec![])],
            d,
        )
        .map(|v| v[0].clone()),
    ]));
    out
}

pub fn raw_rewrite(d: &dyn Dialect) -> String {
    let inputs = [
        "SELECT * FROM posts WHERE id = ? AND title <> ?",
        "SELECT '?', \"a?\", x FROM t -- what?\nWHERE y = ? /* ? */",
        "SELECT data ?? 'k', data ??| ? FROM t",
        "SELECT * FROM t WHERE a = $1",
        "SELECT $$ ? $$, ? FROM t",
    ];
    inputs
        .iter()
        .map(|sql| match prepare_raw(sql, d) {
            Ok(out) => format!("{sql}\n=> {out}"),
            Err(e) => format!("{sql}\n=> ERROR: {e}"),
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

// ---------------------------------------------------------------- lookups

pub fn lookup_exact(d: &dyn Dialect) -> String {
    let mut items = vec![
        c("title", "hello"),
        c("title__exact", Value::Null),
        c("title__iexact", "HeLLo"),
        c("title__iexact", Value::Null),
        c("views", 3),
        c("ratio", 0.5),
        c("active", false),
        c("price", Value::Decimal("12.50".into())),
        c("day", chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()),
        c("uid", uuid::Uuid::nil()),
        c("blob", vec![0u8, 255]),
    ];
    items.push(Cond::lookup(col("views"), "exact", col("likes")));
    items.push(Cond::lookup(col("title"), "iexact", col("slug")));
    conds(d, items)
}

pub fn lookup_comparisons(d: &dyn Dialect) -> String {
    conds(
        d,
        vec![
            c("views__gt", 1),
            c("views__gte", 2),
            c("views__lt", 3),
            c("views__lte", 4),
            Cond::lookup(col("views"), "gt", col("likes") * Expr::value(2)),
        ],
    )
}

pub fn lookup_text(d: &dyn Dialect) -> String {
    let v = "50%_off!";
    conds(
        d,
        vec![
            c("title__contains", v),
            c("title__icontains", v),
            c("title__startswith", v),
            c("title__istartswith", v),
            c("title__endswith", v),
            c("title__iendswith", v),
            c("title__endswith", ""),
            c("views__contains", 42),
        ],
    )
}

pub fn lookup_text_expression(d: &dyn Dialect) -> String {
    conds(
        d,
        vec![
            Cond::lookup(col("title"), "contains", col("slug")),
            Cond::lookup(col("title"), "istartswith", col("slug")),
            Cond::lookup(col("title"), "endswith", col("slug")),
        ],
    )
}

pub fn lookup_in_range(d: &dyn Dialect) -> String {
    conds(
        d,
        vec![
            c("id__in", list(vec![1.into(), Value::Null, 3.into()])),
            c("id__in", list(vec![])),
            c("id__in", list(vec![Value::Null])),
            c("title__in", list(vec!["a".into(), "b".into()])),
            c("views__range", list(vec![1.into(), 10.into()])),
            Cond::lookup(
                col("author_id"),
                "in",
                Expr::raw("SELECT id FROM authors WHERE active = ?", vec![true.into()]),
            ),
            c("id__in", list(vec![1.into()])).not(),
        ],
    )
}

pub fn lookup_isnull(d: &dyn Dialect) -> String {
    conds(
        d,
        vec![
            c("body__isnull", true),
            c("body__isnull", false),
            c("body__isnull", true).not(),
        ],
    )
}

pub fn lookup_regex(d: &dyn Dialect) -> String {
    conds(
        d,
        vec![
            c("title__regex", "^[A-Z].*?$"),
            c("title__iregex", "^hello"),
            Cond::lookup(col("title"), "regex", col("pattern")),
            Cond::lookup(col("title"), "iregex", col("pattern")),
        ],
    )
}

pub fn lookup_errors(d: &dyn Dialect) -> String {
    parsed(
        d,
        vec![
            ("views__range", list(vec![1.into(), 2.into(), 3.into()])),
            ("views__range", 5.into()),
            ("views__range", list(vec![1.into(), Value::Null])),
            ("body__isnull", 1.into()),
            ("views__gt", Value::Null),
            ("views__lte", list(vec![1.into()])),
            ("title__contains", Value::Null),
            ("title__icontains", vec![1u8].into()),
            ("id__in", 5.into()),
            ("title__exact", list(vec!["a".into()])),
            ("title__no_such_lookup_name", 1.into()),
            ("created__year__nope", 1.into()),
        ],
    )
}

pub fn lookup_custom(d: &dyn Dialect) -> String {
    register_lookup("ne", "{col} <> ?").unwrap();
    register_lookup("divisible_by", "{lhs} % ? = 0").unwrap();
    register_lookup("not_q", "{col} <> '?' AND {col} <> ? AND ?? IS NOT NULL").unwrap();
    register_lookup("any_of", "{col} IN (?)").unwrap();
    // A custom lookup shadows the built-in of the same name (in this test binary only).
    register_lookup("regex", "my_regex({col}, ?)").unwrap();
    let out = conds(
        d,
        vec![
            c("status__ne", "draft"),
            Cond::lookup(
                col("views") + Expr::value(1),
                "divisible_by",
                Expr::value(3),
            ),
            c("title__not_q", "x"),
            c("id__any_of", list(vec![1.into(), 2.into()])),
            c("title__regex", "^a"),
        ],
    );
    unregister_lookup("regex");
    let errors = [
        register_lookup("bad name", "{col} = ?"),
        register_lookup("a__b", "{col} = ?"),
        register_lookup("nocol", "x = ?"),
        register_lookup("unclosed", "{col} = 'x"),
    ]
    .into_iter()
    .map(|r| match r {
        Ok(()) => "ok".to_owned(),
        Err(e) => format!("ERROR: {e}"),
    })
    .collect::<Vec<_>>()
    .join("\n");
    format!("{out}\n\n{errors}\n\nregistered: {}", is_lookup("ne"))
}

pub fn lookup_on_expressions(d: &dyn Dialect) -> String {
    conds(
        d,
        vec![
            Cond::lookup(col("views") + col("likes"), "gt", Expr::value(5)),
            Cond::lookup(Expr::raw("views OR 1", vec![]), "exact", Expr::value(1)),
            Cond::lookup(
                Expr::func(Func::Lower, vec![col("title")]),
                "startswith",
                Expr::value("a"),
            ),
            Cond::lookup(col("a") - col("b"), "contains", Expr::value("1")),
        ],
    )
}

pub fn cond_trees(d: &dyn Dialect) -> String {
    let a = || c("a", 1);
    let b = || c("b", 2);
    let x = || c("x", 3);
    conds(
        d,
        vec![
            a().and(b()).and(x()),
            a().or(b()).and(x()),
            a().and(b().or(x())),
            a().and(b()).or(x()),
            (a().or(b())).not().and(x().not()),
            Cond::And(vec![]),
            Cond::Or(vec![]),
            Cond::Const(true).and(a()),
            Cond::Or(vec![
                Cond::And(vec![a(), b()]),
                Cond::raw("c = ? OR d", vec![Value::Int(4)]),
            ]),
            a().not().not(),
            Cond::Not(Box::new(Cond::Const(false))),
        ],
    )
}

// ---------------------------------------------------------------- transforms

pub fn transform_each(d: &dyn Dialect) -> String {
    let names = available_transforms();
    let items: Vec<(String, Value)> = names
        .iter()
        .map(|t| (format!("created__{t}"), Value::Int(1)))
        .collect();
    show_all(items.iter().map(|(p, v)| {
        Cond::parse(p, v.clone())
            .and_then(|c| compile_condition(&c, d))
            .map(|mut c| {
                c.sql = format!("-- {p}\n{}", c.sql);
                c
            })
    }))
}

pub fn transform_chained(d: &dyn Dialect) -> String {
    parsed(
        d,
        vec![
            ("created__year__gte", 2024.into()),
            (
                "created__date__lt",
                chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap().into(),
            ),
            ("created__date__year", 2023.into()),
            ("created__hour__in", list(vec![9.into(), 17.into()])),
            ("created__week_day__range", list(vec![2.into(), 6.into()])),
            (
                "created__time__gt",
                chrono::NaiveTime::from_hms_opt(12, 30, 0).unwrap().into(),
            ),
            ("created__month__isnull", true.into()),
            ("t.created__quarter", 4.into()),
        ],
    )
}

pub fn transform_errors(d: &dyn Dialect) -> String {
    show(compile_condition(
        &Cond::lookup(
            Expr::transform("fortnight", col("created")),
            "exact",
            Expr::value(1),
        ),
        d,
    ))
}

// ---------------------------------------------------------------- JSON

pub fn json_key_lookups(d: &dyn Dialect) -> String {
    parsed(
        d,
        vec![
            ("data__a__b", 5.into()),
            ("data__owner", "alice".into()),
            ("data__owner", Value::Null),
            ("data__tags", json(r#"["x", "y"]"#)),
            ("data__flag", true.into()),
            ("data__a__isnull", true.into()),
            ("data__a__isnull", false.into()),
            ("data__n__gt", 5.into()),
            ("data__n__lte", 2.5.into()),
            (
                "data__n__in",
                list(vec![1.into(), "two".into(), Value::Null]),
            ),
            ("data__n__range", list(vec![1.into(), 9.into()])),
            ("data__items__0__name", "first".into()),
            ("data__key__exact__exact", "x".into()),
        ],
    )
}

pub fn json_key_text_lookups(d: &dyn Dialect) -> String {
    parsed(
        d,
        vec![
            ("data__name__icontains", "Al%".into()),
            ("data__name__contains", "li".into()),
            ("data__key_text__name__iexact", "ALICE".into()),
            ("data__name__startswith", "A".into()),
            ("data__name__iendswith", "E".into()),
            ("data__name__regex", "^A".into()),
        ],
    )
}

pub fn json_hostile_keys(d: &dyn Dialect) -> String {
    let keys = [
        "a\"b",
        "$",
        "a.b",
        "back\\slash",
        "'; DROP TABLE posts; --",
        "[0]",
        "0",
        "?",
        "é ü",
    ];
    show_all(keys.iter().map(|k| {
        compile_condition(
            &Cond::lookup(
                Expr::json_key(col("data"), vec![(*k).to_owned()]),
                "exact",
                Expr::value(1),
            ),
            d,
        )
    }))
}

pub fn json_has_keys(d: &dyn Dialect) -> String {
    parsed(
        d,
        vec![
            ("data__has_key", "owner".into()),
            ("data__has_keys", list(vec!["a".into(), "b\"c".into()])),
            ("data__has_any_keys", list(vec!["a".into(), "b".into()])),
            ("data__meta__has_key", "x".into()),
            ("data__meta__has_keys", list(vec!["x".into(), "y".into()])),
            ("data__has_keys", list(vec![])),
            ("data__has_key", 1.5.into()),
        ],
    )
}

pub fn json_contains(d: &dyn Dialect) -> String {
    parsed(
        d,
        vec![
            ("data__contains", json(r#"{"a": 1, "b": {"c": "x"}}"#)),
            ("data__contains", json(r#"{"tags": ["x", {"k": true}]}"#)),
            ("data__contains", json(r#"["x", 2, null]"#)),
            ("data__contains", json(r#""x""#)),
            ("data__contains", json("{}")),
            ("data__meta__contains", json(r#"{"k": false}"#)),
            ("data__contains", json("{not json")),
            ("title__contains", "plain text".into()),
        ],
    )
}

pub fn json_contained_by(d: &dyn Dialect) -> String {
    parsed(
        d,
        vec![
            ("data__contained_by", json(r#"{"a": 1, "b": 2}"#)),
            ("data__meta__contained_by", json("[1, 2]")),
        ],
    )
}

pub fn json_select_key(d: &dyn Dialect) -> String {
    let q = posts()
        .add_column(col("id"), None)
        .add_column(
            Expr::json_key(col("posts.data"), vec!["a".into(), "b".into()]),
            Some("ab"),
        )
        .filter(c("data__a__b__gt", 1))
        .order_by(Expr::json_key(col("data"), vec!["rank".into()]), true);
    show(compile_select(&q, d))
}

pub fn json_document_exact(d: &dyn Dialect) -> String {
    parsed(
        d,
        vec![
            ("data", json(r#"{"a": [1, 2]}"#)),
            ("data", json("null")),
            ("data", Value::Null),
        ],
    )
}
