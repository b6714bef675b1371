//! `GET /api/v1/logs`: the System Log, in Okta's shape, with `sortOrder`,
//! `limit` and the SCIM `filter` developers use on hook and token events.

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;

use crate::error::Error;
use crate::startup::SharedState;
use crate::system_log::LogEvent;

/// `GET /api/v1/logs` parameters (a subset of Okta's).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogQuery {
    /// `ASCENDING` (Okta's default) or `DESCENDING`.
    sort_order: Option<String>,
    /// At most this many events (default 100, at most 1000).
    limit: Option<usize>,
    /// `eventType`, `target.id`, `actor.id` or `outcome.result` `eq "…"`,
    /// joined with `and`.
    filter: Option<String>,
}

/// `GET /api/v1/logs`.
pub async fn logs(
    State(state): State<SharedState>,
    Query(query): Query<LogQuery>,
) -> Result<Json<Vec<LogEvent>>, Error> {
    let conditions = match query.filter.as_deref() {
        None => Vec::new(),
        Some(filter) => parse_filter(filter).ok_or_else(|| {
            Error::ApiBadRequest(format!(
                "Invalid filter {filter:?}: local-okta understands eventType, target.id, \
                 actor.id and outcome.result with eq \"…\", joined with and"
            ))
        })?,
    };
    let mut events: Vec<LogEvent> = state
        .system_log
        .events()
        .into_iter()
        .filter(|event| conditions.iter().all(|condition| condition.holds(event)))
        .collect();
    match query.sort_order.as_deref() {
        None | Some("ASCENDING") => {}
        Some("DESCENDING") => events.reverse(),
        Some(other) => {
            return Err(Error::ApiBadRequest(format!("Invalid sortOrder {other:?}")));
        }
    }
    events.truncate(query.limit.unwrap_or(100).min(1000));
    Ok(Json(events))
}

/// One `field eq "value"` condition of a System Log filter.
#[derive(Debug, Clone, PartialEq)]
struct Condition<'a> {
    field: &'a str,
    value: &'a str,
}

impl Condition<'_> {
    fn holds(&self, event: &LogEvent) -> bool {
        match self.field {
            "eventType" => event.event_type == self.value,
            "actor.id" => event.actor.id == self.value,
            "outcome.result" => event.outcome.result == self.value,
            // As in Okta: the value must be among the event's targets.
            "target.id" => event.target.iter().any(|target| target.id == self.value),
            _ => false,
        }
    }
}

/// `eventType eq "x" and target.id eq "y"`: the subset of Okta's SCIM
/// filter that developers use on these events.
fn parse_filter(filter: &str) -> Option<Vec<Condition<'_>>> {
    filter
        .split(" and ")
        .map(|part| {
            let (field, value) = part.trim().split_once(" eq ")?;
            let field = field.trim();
            let value = value.trim().strip_prefix('"')?.strip_suffix('"')?;
            ["eventType", "actor.id", "outcome.result", "target.id"]
                .contains(&field)
                .then_some(Condition { field, value })
        })
        .collect()
}
