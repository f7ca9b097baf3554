//! Provider logs as hclog JSON lines on stderr, which go-plugin re-logs at their level so they
//! show up in Terraform's `TF_LOG` output, plus a panic hook that reports panics the same way.
//!
//! Level: `TF_LOG_PROVIDER` when set (non-empty), else `TF_LOG`; `TRACE`, `DEBUG`, `INFO`,
//! `WARN`, `ERROR`, `JSON` (= trace) or `OFF`, case-insensitive. Unset or anything else: off.
//! (Terraform itself treats an unknown level as TRACE; we stay quiet instead.)
//! That level applies to this crate; other crates (h2, rustls, the AWS SDK, …) log at
//! `TF_LOG_SDK` if set, else at most WARN, so a TRACE run is not buried in transport noise.
//! Their text can carry Rust `Debug` dumps (the SDK's error context appends one, with raw HTTP
//! headers): such a tail is cut off, and text that is debug output throughout is left out.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;

use serde_json::{Map, Value};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::OffsetDateTime;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::Layer;

/// The `@module` of every line we write.
pub const MODULE: &str = "servicecatalog";

/// Crates whose events use the provider's level rather than the dependency level.
const OWN_TARGETS: &[&str] = &[
    "servicecatalog_provider",
    "terraform_provider_servicecatalog",
    "servicecatalog_emulator",
];

/// go-plugin parses `@timestamp` with Go's layout `2006-01-02T15:04:05.000000Z07:00`.
const TIMESTAMP: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// Parses a Terraform log level name; `None` for unknown names.
pub fn parse_level(value: &str) -> Option<LevelFilter> {
    match value.trim().to_ascii_uppercase().as_str() {
        "TRACE" | "JSON" => Some(LevelFilter::TRACE),
        "DEBUG" => Some(LevelFilter::DEBUG),
        "INFO" => Some(LevelFilter::INFO),
        "WARN" => Some(LevelFilter::WARN),
        "ERROR" => Some(LevelFilter::ERROR),
        "OFF" => Some(LevelFilter::OFF),
        _ => None,
    }
}

/// The provider's level from `TF_LOG_PROVIDER` / `TF_LOG` read through `get` (see module docs).
pub fn level_from(get: impl Fn(&str) -> Option<String>) -> LevelFilter {
    let value = get("TF_LOG_PROVIDER")
        .filter(|v| !v.trim().is_empty())
        .or_else(|| get("TF_LOG"));
    value
        .as_deref()
        .and_then(parse_level)
        .unwrap_or(LevelFilter::OFF)
}

/// The per-target filter for `level` (ours) and `sdk_level` (everyone else).
pub fn filter(level: LevelFilter, sdk_level: LevelFilter) -> Targets {
    OWN_TARGETS
        .iter()
        .fold(Targets::new().with_default(sdk_level), |t, target| {
            t.with_target(*target, level)
        })
}

/// Installs the global subscriber from the environment (see module docs) and the panic hook.
///
/// When logging is off no subscriber is installed at all, so `tracing` macros cost nothing.
/// If a global subscriber already exists it is left in place.
pub fn init_from_env() {
    install_panic_hook();
    let env = |name: &str| std::env::var(name).ok();
    let level = level_from(env);
    if level == LevelFilter::OFF {
        return;
    }
    let sdk_level = env("TF_LOG_SDK")
        .as_deref()
        .and_then(parse_level)
        .unwrap_or_else(|| level.min(LevelFilter::WARN));
    let layer = HclogLayer::new(std::io::stderr).with_filter(filter(level, sdk_level));
    // Err means a subscriber is already installed; keep it.
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

/// Replaces the default panic hook with one that writes a single hclog `error` line,
/// `panic: <message>, at <file>:<line>:<col>`, and never a backtrace. Terraform recognises the
/// `panic: ` prefix and shows the message when the provider crashes.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let _ = std::io::stderr()
            .lock()
            .write_all(panic_line(info).as_bytes());
    }));
}

/// The hclog line for a panic (see [`install_panic_hook`]).
fn panic_line(info: &std::panic::PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(non-string panic payload)");
    let message = match info.location() {
        Some(at) => format!(
            "panic: {message}, at {}:{}:{}",
            at.file(),
            at.line(),
            at.column()
        ),
        None => format!("panic: {message}"),
    };
    let mut fields = Map::new();
    if let Some(thread) = std::thread::current().name() {
        fields.insert("thread".to_owned(), Value::String(thread.to_owned()));
    }
    hclog_line("error", &message, fields)
}

fn is_own(target: &str) -> bool {
    OWN_TARGETS.iter().any(|own| {
        target == *own
            || target
                .strip_prefix(own)
                .is_some_and(|r| r.starts_with("::"))
    })
}

/// Marks of Rust `Debug` output in a dependency's log text.
const DEBUG_MARKS: &[&str] = &["{", "}", "Some(", "Error(", "SdkBody"];

/// `text` without Rust `Debug` output: a trailing ` (Name(…` or ` (Name {…` dump, as the SDK's
/// error context appends, is cut off; text that still looks like a dump is left out entirely.
fn without_debug(text: &str) -> String {
    let looks_debug = |t: &str| DEBUG_MARKS.iter().any(|m| t.contains(m));
    if !looks_debug(text) {
        return text.to_owned();
    }
    let dump_starts = text.match_indices(" (").map(|(at, _)| at).find(|&at| {
        let rest = &text[at + 2..];
        let name = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        name > 0 && rest[name..].starts_with(['(', '{', ' '])
    });
    match dump_starts.map(|at| text[..at].trim_end()) {
        Some(kept) if !kept.is_empty() && !looks_debug(kept) => kept.to_owned(),
        _ => "(left out: debug output)".to_owned(),
    }
}

/// Formats one hclog JSON line (with trailing newline). `fields` never override the `@` keys.
fn hclog_line(level: &str, message: &str, fields: Map<String, Value>) -> String {
    let mut obj: BTreeMap<String, Value> = fields.into_iter().collect();
    obj.insert("@level".to_owned(), Value::String(level.to_owned()));
    obj.insert("@message".to_owned(), Value::String(message.to_owned()));
    obj.insert("@module".to_owned(), Value::String(MODULE.to_owned()));
    obj.insert("@timestamp".to_owned(), Value::String(timestamp()));
    let mut line = serde_json::to_string(&obj).unwrap_or_default();
    line.push('\n');
    line
}

fn timestamp() -> String {
    OffsetDateTime::now_utc()
        .format(TIMESTAMP)
        .unwrap_or_default()
}

fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// A `tracing` layer that writes each event as one hclog JSON line, with the fields of every
/// enclosing span (outermost first, inner spans and then the event overriding on clashes).
pub struct HclogLayer<W> {
    make_writer: W,
}

impl<W> HclogLayer<W>
where
    W: for<'w> MakeWriter<'w> + 'static,
{
    /// A layer writing to `make_writer` (e.g. `std::io::stderr`).
    pub fn new(make_writer: W) -> Self {
        Self { make_writer }
    }
}

impl<W> fmt::Debug for HclogLayer<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HclogLayer").finish_non_exhaustive()
    }
}

/// Span fields, kept in the span's extensions.
struct SpanFields(Map<String, Value>);

/// Collects fields as JSON values; the `message` field is kept apart.
#[derive(Default)]
struct JsonVisitor {
    fields: Map<String, Value>,
    message: Option<String>,
}

impl JsonVisitor {
    fn put(&mut self, field: &Field, value: Value) {
        if field.name() == "message" {
            self.message = Some(match value {
                Value::String(s) => s,
                other => other.to_string(),
            });
        } else {
            self.fields.insert(field.name().to_owned(), value);
        }
    }
}

impl Visit for JsonVisitor {
    fn record_f64(&mut self, field: &Field, value: f64) {
        let v = serde_json::Number::from_f64(value)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(value.to_string()));
        self.put(field, v);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Value::Bool(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Value::String(value.to_owned()));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.put(field, Value::String(value.to_string()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, Value::String(format!("{value:?}")));
    }
}

impl<S, W> Layer<S> for HclogLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        let Some(span) = ctx.span(id) else { return };
        let mut visitor = JsonVisitor::default();
        attrs.record(&mut visitor);
        span.extensions_mut().insert(SpanFields(visitor.fields));
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: Context<'_, S>,
    ) {
        let Some(span) = ctx.span(id) else { return };
        let mut visitor = JsonVisitor::default();
        values.record(&mut visitor);
        let mut extensions = span.extensions_mut();
        match extensions.get_mut::<SpanFields>() {
            Some(existing) => existing.0.extend(visitor.fields),
            None => extensions.insert(SpanFields(visitor.fields)),
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Map::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(span_fields) = span.extensions().get::<SpanFields>() {
                    fields.extend(span_fields.0.clone());
                }
            }
        }
        let mut visitor = JsonVisitor::default();
        event.record(&mut visitor);
        let mut message = visitor.message.unwrap_or_default();
        if !is_own(event.metadata().target()) {
            message = without_debug(&message);
            for value in visitor.fields.values_mut() {
                if let Value::String(text) = value {
                    *text = without_debug(text);
                }
            }
        }
        fields.extend(visitor.fields);
        let line = hclog_line(level_name(event.metadata().level()), &message, fields);
        // One write per line so concurrent events never interleave mid-line.
        let _ = self.make_writer.make_writer().write_all(line.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Capture {
        type Writer = Capture;
        fn make_writer(&'a self) -> Capture {
            self.clone()
        }
    }

    impl Capture {
        fn lines(&self) -> Vec<Value> {
            let bytes = self.0.lock().unwrap().clone();
            String::from_utf8(bytes)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        }
    }

    fn capture(level: LevelFilter, f: impl FnOnce()) -> Vec<Value> {
        let out = Capture::default();
        let subscriber = tracing_subscriber::registry()
            .with(HclogLayer::new(out.clone()).with_filter(filter(level, LevelFilter::WARN)));
        tracing::subscriber::with_default(subscriber, f);
        out.lines()
    }

    #[test]
    fn event_is_an_hclog_line_with_span_fields() {
        let lines = capture(LevelFilter::TRACE, || {
            let span = tracing::info_span!("rpc", tf_rpc = "ApplyResourceChange", tf_req_id = 7);
            let _entered = span.enter();
            let inner = tracing::debug_span!("res", tf_resource_type = "servicecatalog_x");
            let _inner = inner.enter();
            tracing::debug!(owner_changed = true, "updating properties");
        });
        assert_eq!(lines.len(), 1, "{lines:?}");
        let line = &lines[0];
        assert_eq!(line["@level"], "debug");
        assert_eq!(line["@message"], "updating properties");
        assert_eq!(line["@module"], MODULE);
        assert_eq!(line["tf_rpc"], "ApplyResourceChange");
        assert_eq!(line["tf_req_id"], 7);
        assert_eq!(line["tf_resource_type"], "servicecatalog_x");
        assert_eq!(line["owner_changed"], true);
    }

    #[test]
    fn timestamp_matches_go_layout() {
        let ts = timestamp();
        // 2006-01-02T15:04:05.000000Z
        assert_eq!(ts.len(), 27, "{ts}");
        let re = regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$").unwrap();
        assert!(re.is_match(&ts), "{ts}");
    }

    #[test]
    fn level_filters_events() {
        let lines = capture(LevelFilter::WARN, || {
            tracing::info!("hidden");
            tracing::warn!("shown");
            tracing::error!(target: "h2", "dependency error shown");
            tracing::info!(target: "h2::codec", "dependency info hidden");
        });
        let messages: Vec<_> = lines.iter().map(|l| l["@message"].clone()).collect();
        assert_eq!(messages, vec!["shown", "dependency error shown"]);
        assert_eq!(lines[0]["@level"], "warn");
        assert_eq!(lines[1]["@level"], "error");
    }

    #[test]
    fn level_comes_from_tf_log_provider_then_tf_log() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(name, _)| *name == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(level_from(env(&[])), LevelFilter::OFF);
        assert_eq!(level_from(env(&[("TF_LOG", "debug")])), LevelFilter::DEBUG);
        assert_eq!(level_from(env(&[("TF_LOG", "Json")])), LevelFilter::TRACE);
        assert_eq!(level_from(env(&[("TF_LOG", "loud")])), LevelFilter::OFF);
        assert_eq!(
            level_from(env(&[("TF_LOG", "trace"), ("TF_LOG_PROVIDER", "ERROR")])),
            LevelFilter::ERROR
        );
        assert_eq!(
            level_from(env(&[("TF_LOG", "warn"), ("TF_LOG_PROVIDER", "")])),
            LevelFilter::WARN
        );
    }

    #[test]
    fn panic_becomes_one_hclog_error_line_without_backtrace() {
        static CAPTURED: Mutex<Vec<String>> = Mutex::new(Vec::new());
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(|info| {
            CAPTURED.lock().unwrap().push(panic_line(info));
        }));
        let result = std::panic::catch_unwind(|| {
            panic!("boom {}", 42);
        });
        std::panic::set_hook(previous);
        assert!(result.is_err());

        let captured = CAPTURED.lock().unwrap().clone();
        let ours: Vec<_> = captured.iter().filter(|l| l.contains("boom 42")).collect();
        assert_eq!(ours.len(), 1, "{captured:?}");
        assert!(ours[0].ends_with('\n') && ours[0].matches('\n').count() == 1);
        let line: Value = serde_json::from_str(ours[0]).unwrap();
        assert_eq!(line["@level"], "error");
        assert_eq!(line["@module"], MODULE);
        let message = line["@message"].as_str().unwrap();
        assert!(message.starts_with("panic: boom 42, at "), "{message}");
        assert!(message.contains("logging.rs:"), "{message}");
        assert!(!message.contains("stack backtrace"), "{message}");
    }

    #[test]
    fn dependency_text_loses_its_debug_dumps_and_ours_is_kept() {
        let lines = capture(LevelFilter::WARN, || {
            tracing::warn!(
                target: "aws_config::meta::credentials::chain",
                provider = "Ec2InstanceMetadata",
                error = "failed to load IMDS session token: request forbidden (DispatchFailure(DispatchFailure { source: ConnectorError { kind: Io } }))",
                "provider failed to provide credentials"
            );
            tracing::warn!(target: "hyper_util", detail = "Some(Body { inner: SdkBody })", "raw");
            tracing::warn!(kept = "a {braced} value", "ours");
        });
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_eq!(
            lines[0]["error"],
            "failed to load IMDS session token: request forbidden"
        );
        assert_eq!(lines[0]["provider"], "Ec2InstanceMetadata");
        assert_eq!(lines[1]["detail"], "(left out: debug output)");
        assert_eq!(lines[2]["kept"], "a {braced} value");
        assert_eq!(
            without_debug("plain words (and an aside)"),
            "plain words (and an aside)"
        );
    }

    #[test]
    fn line_fields_cannot_override_hclog_keys() {
        let mut fields = Map::new();
        fields.insert("@level".to_owned(), Value::String("trace".to_owned()));
        fields.insert("k".to_owned(), Value::from(1));
        let line: Value = serde_json::from_str(&hclog_line("error", "m", fields)).unwrap();
        assert_eq!(line["@level"], "error");
        assert_eq!(line["k"], 1);
    }
}
