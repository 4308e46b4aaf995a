//! The `onecard` command line. It never prompts: it acts as `--as USER` (default `admin`) with the
//! authority of whoever can open the database. With `--json`, stdout is exactly one line holding
//! one JSON object; logs go to stderr. Failures print `{"error":{"code","message"}}` and exit
//! non-zero (2 for usage errors).

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::auth::Actor;
use crate::card_number::CardNumber;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::types::{CardStatus, CardType, Channel, CityTier, Funding, Medium, PayerType, Role};
use crate::{
    BatchIssueRequest, CardAction, CardActionRequest, Core, Holder, IssueRequest, MallAddRequest, PayRequest,
    RefundRequest, ReverseRequest, TopUpRequest, TransferRequest, UserAddRequest,
};
use std::io::Read as _;

#[path = "cli_analytics.rs"]
mod analytics_cmd;

const USAGE: &str = "usage: onecard [--db URL] [--json] [--as USER] <command>
  init [--sandbox]
  mall add --code CODE --name NAME --region REGION --city-tier 1|2|3|4 [--mode traditional|card|ecommerce] [--card-since DATE]
  mall set-mode CODE --mode traditional|card|ecommerce --since DATE
  merchant add --mall CODE --name NAME --category CATEGORY [--fee-bps N] [--manager USER]
  merchant apply --mall CODE --name NAME --category CATEGORY [--manager USER]
  merchant submit ID --credit-code CODE --brand-auth REF --contact C --account BANK_ACCOUNT
  merchant review ID approve|reject [--reason R] | merchant contract ID [--fee-bps N] [--account A] [--start D]
  merchant activate|suspend|terminate ID [--reason R] | merchant list [--status S] | merchant show ID
  fee-rule set --category C --bps N [--from D --to D] | fee-rule list | fee-rule split --issuer-bps N
  fee-rule adjust (--grade A|B|C|D | --volume-from AMOUNT | --support) (--bps N | --remove)
  settle --date D|yesterday | settle [--from D] [--to D] (every unsettled day, in order) | settlement show --date D
  statement --merchant ID (--date D | --month YYYY-MM) --format xlsx|csv|pdf --out FILE
  payout file --date D --out FILE | payout mark BATCH MERCHANT paid|returned
  reserve import FILE | reserve reconcile --date D | reserve latest
  channel import --channel wechat|alipay|unionpay FILE | channel reconcile --date D
  channel resolve ID --note N | channel drift --seconds N
  complaint add --merchant ID --note N [--kind complaint|dispute]
  rating run --month YYYY-MM | rating show --month YYYY-MM
  bench-settle [--payments N] [--merchants M]
  import sales|footfall|marketing|members|inventory FILE.csv|FILE.xlsx | sync --from DIR
  dashboard compare|card-types|merchants|regions [--from D] [--to D] [--region R] [--mall CODE] [--export FILE.xlsx|.csv]
  chart compare|card-types|merchants|regions --out FILE.svg|FILE.png [--from D] [--to D] [--region R] [--mall CODE]
  forecast --merchant ID | --category C [--mall CODE]  [--weeks N] [--lead-days N] [--chart FILE.svg|.png] [--export FILE.xlsx|.csv]
  imports [--limit N]
  demo --seed N --scale small|medium|large (uses --db; creates a sandbox database)
  bench-dashboard [--runs N]
  card issue --type physical|virtual|cobrand [--holder-name N --id-number X --phone P] [--mall CODE]
  card batch-issue --type TYPE --count N [--face-value AMOUNT] --ref REF [--buyer-name N --buyer-id X]
                   [--channel C --payer-type person|company --payer-name N --funding debit|credit] [--mall CODE]
  card show CARD | card history CARD | card qr CARD
  card list [--status S] [--type T] [--mall CODE] [--phone P] [--number DIGITS] [--limit N] [--after CURSOR]
  card freeze|unfreeze|report-loss|close CARD [--reason R] [--ref REF] | card replace CARD [--ref REF] | card extend CARD
  topup CARD AMOUNT --channel CHANNEL --ref REF [--payer-type person|company] [--payer-name N] [--funding debit|credit]
  pay CARD AMOUNT --merchant ID --medium nfc|qr|ecny --ref REF [--qr-payload P] [--checkout-seconds N]
  refund PAYMENT_ID AMOUNT --ref REF
  transfer FROM_CARD TO_CARD AMOUNT --ref REF
  reverse ENTRY_ID --reason R --ref REF
  verify | anchor
  user add NAME --role ROLE [--scope mall:CODE|region:R|merchant:ID]... | user list
  user password NAME --password-stdin | user lock NAME | user unlock NAME
  rule set NAME VALUE | rule list
  bench [--payments N] [--clients N] | bench-cards [--cards N]";

/// Parsed command line: positional words and `--flag value` options.
pub(crate) struct Args {
    words: Vec<String>,
    opts: HashMap<String, Vec<String>>,
    switches: Vec<String>,
}

/// Flags that take no value.
const SWITCHES: &[&str] = &["--json", "--sandbox", "--help", "--password-stdin", "--remove", "--support"];

pub(crate) fn usage(msg: impl Into<String>) -> Error {
    Error::new("usage", format!("{}\n{USAGE}", msg.into()))
}

fn parse_args(argv: Vec<String>) -> Result<Args> {
    let mut words = Vec::new();
    let mut opts: HashMap<String, Vec<String>> = HashMap::new();
    let mut switches = Vec::new();
    let mut it = argv.into_iter();
    while let Some(a) = it.next() {
        // `-1` and `-0.5` are values (a refused amount), not flags.
        let is_flag = a.starts_with("--") && a.len() > 2;
        if a.starts_with('-')
            && !is_flag
            && !a[1..].starts_with(|c: char| c.is_ascii_digit() || c == '.')
            && a.len() > 1
        {
            return Err(usage(format!("unknown flag {a:?}")));
        }
        if !is_flag {
            words.push(a);
            continue;
        }
        if let Some((k, v)) = a.split_once('=') {
            opts.entry(k.to_string()).or_default().push(v.to_string());
        } else if SWITCHES.contains(&a.as_str()) {
            switches.push(a);
        } else {
            let v = it.next().ok_or_else(|| usage(format!("{a} needs a value")))?;
            opts.entry(a).or_default().push(v);
        }
    }
    Ok(Args { words, opts, switches })
}

impl Args {
    pub(crate) fn take(&mut self, flag: &str) -> Option<String> {
        let v = self.opts.get_mut(flag)?;
        let out = if v.is_empty() { None } else { Some(v.remove(0)) };
        if v.is_empty() {
            self.opts.remove(flag);
        }
        out
    }
    fn take_all(&mut self, flag: &str) -> Vec<String> {
        self.opts.remove(flag).unwrap_or_default()
    }
    pub(crate) fn need(&mut self, flag: &str) -> Result<String> {
        self.take(flag).ok_or_else(|| usage(format!("{flag} is required")))
    }
    pub(crate) fn switch(&mut self, s: &str) -> bool {
        let had = self.switches.iter().any(|x| x == s);
        self.switches.retain(|x| x != s);
        had
    }
    pub(crate) fn word(&mut self, what: &str) -> Result<String> {
        if self.words.is_empty() {
            return Err(usage(format!("missing {what}")));
        }
        Ok(self.words.remove(0))
    }
    /// Refuses anything left over: a typo must not be silently ignored.
    pub(crate) fn done(&self) -> Result<()> {
        if let Some(w) = self.words.first() {
            return Err(usage(format!("unexpected argument {w:?}")));
        }
        if let Some(k) = self.opts.keys().next() {
            return Err(usage(format!("unknown or repeated flag {k}")));
        }
        if let Some(s) = self.switches.first() {
            return Err(usage(format!("unexpected flag {s}")));
        }
        Ok(())
    }
}

pub(crate) fn int(s: &str, what: &str) -> Result<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 18 {
        return Err(Error::new("invalid_argument", format!("{what} must be a whole number, got {s:?}")));
    }
    s.parse().map_err(|_| Error::new("invalid_argument", format!("{what} must be a whole number")))
}

/// Runs the CLI; returns the process exit code.
pub fn main_with_args(argv: Vec<String>) -> i32 {
    let json_mode = argv.iter().any(|a| a == "--json");
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return report(json_mode, &Error::internal(e)),
    };
    match rt.block_on(run(argv)) {
        Ok((value, code)) => {
            if json_mode {
                println!("{}", serde_json::to_string(&value).unwrap_or_default());
            } else {
                println!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
            }
            code
        }
        Err(e) => report(json_mode, &e),
    }
}

fn report(json_mode: bool, e: &Error) -> i32 {
    let body = json!({"error": {"code": e.code, "message": e.message}});
    if json_mode {
        println!("{body}");
    } else {
        eprintln!("error [{}]: {}", e.code, e.message);
    }
    if e.code == "usage" {
        2
    } else {
        1
    }
}

async fn run(argv: Vec<String>) -> Result<(Value, i32)> {
    let mut a = parse_args(argv)?;
    a.switch("--json");
    if a.switch("--help") || a.words.is_empty() {
        return Err(usage("no command given"));
    }
    let url = match a.take("--db") {
        Some(u) => u,
        None => crate::default_db_url()?,
    };
    let user = a
        .take("--as")
        .or_else(|| std::env::var("ONECARD_USER").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "admin".into());
    let cmd = a.word("command")?;
    if cmd == "init" {
        let sandbox = a.switch("--sandbox");
        a.done()?;
        let core = Core::init(&url, sandbox).await?;
        core.close().await;
        return Ok((
            json!({"initialized": true, "sandbox": core.is_sandbox_db(), "backend": core.backend(), "db": core.display_url()}),
            0,
        ));
    }
    if cmd == "demo" {
        return analytics_cmd::demo(&url, &mut a).await.map(|v| (v, 0));
    }
    let core = Core::open(&url).await?;
    let r = command(&core, &user, &cmd, &mut a).await;
    core.close().await;
    r
}

/// One command on an open database, as `user`.
async fn command(core: &Core, user: &str, cmd: &str, a: &mut Args) -> Result<(Value, i32)> {
    let actor = core.actor(user).await?;
    if let Some(r) = analytics_cmd::run(cmd, core, &actor, a).await {
        return r;
    }
    let v = match cmd {
        "mall" => mall(core, &actor, a).await?,
        // Merchants and the clearing center: core/src/cli_clearing.rs.
        "merchant" | "fee-rule" | "settle" | "settlement" | "statement" | "payout" | "reserve" | "channel"
        | "complaint" | "rating" | "bench-settle" => crate::cli_clearing::run(core, &actor, cmd, a).await?,
        "card" => card(core, &actor, a).await?,
        "topup" => {
            let card = CardNumber::parse(&a.word("CARD")?)?;
            let amount = Money::parse(&a.word("AMOUNT")?)?;
            let r = TopUpRequest {
                card,
                amount,
                channel: Channel::parse(&a.need("--channel")?)?,
                reference: a.need("--ref")?,
                payer_type: a.take("--payer-type").map_or(Ok(PayerType::Person), |s| PayerType::parse(&s))?,
                payer_name: a.take("--payer-name"),
                funding: a.take("--funding").map_or(Ok(Funding::Debit), |s| Funding::parse(&s))?,
            };
            a.done()?;
            to_json(&core.top_up(&actor, r).await?)
        }
        "pay" => {
            let card = CardNumber::parse(&a.word("CARD")?)?;
            let amount = Money::parse(&a.word("AMOUNT")?)?;
            let r = PayRequest {
                card,
                amount,
                merchant: int(&a.need("--merchant")?, "--merchant")?,
                medium: Medium::parse(&a.need("--medium")?)?,
                reference: a.need("--ref")?,
                qr_payload: a.take("--qr-payload"),
                checkout_seconds: a.take("--checkout-seconds").map(|s| int(&s, "--checkout-seconds")).transpose()?,
            };
            a.done()?;
            to_json(&core.pay(&actor, r).await?)
        }
        "refund" => {
            let payment_id = int(&a.word("PAYMENT_ID")?, "PAYMENT_ID")?;
            let amount = Money::parse(&a.word("AMOUNT")?)?;
            let r = RefundRequest { payment_id, amount, reference: a.need("--ref")? };
            a.done()?;
            to_json(&core.refund(&actor, r).await?)
        }
        "transfer" => {
            let from = CardNumber::parse(&a.word("FROM_CARD")?)?;
            let to = CardNumber::parse(&a.word("TO_CARD")?)?;
            let amount = Money::parse(&a.word("AMOUNT")?)?;
            let r = TransferRequest { from, to, amount, reference: a.need("--ref")? };
            a.done()?;
            to_json(&core.transfer(&actor, r).await?)
        }
        "reverse" => {
            let entry_id = int(&a.word("ENTRY_ID")?, "ENTRY_ID")?;
            let r = ReverseRequest { entry_id, reason: a.need("--reason")?, reference: a.need("--ref")? };
            a.done()?;
            to_json(&core.reverse(&actor, r).await?)
        }
        "verify" => {
            a.done()?;
            let r = core.verify(&actor).await?;
            let code = if r.ok { 0 } else { 1 };
            return Ok((to_json(&r), code));
        }
        "anchor" => {
            a.done()?;
            core.anchor(&actor).await?
        }
        "user" => user_cmd(core, &actor, a).await?,
        "rule" => rule(core, &actor, a).await?,
        "bench" => {
            let payments = a.take("--payments").map(|s| int(&s, "--payments")).transpose()?.unwrap_or(100_000);
            let clients = a.take("--clients").map(|s| int(&s, "--clients")).transpose()?.unwrap_or(16);
            a.done()?;
            to_json(&crate::bench::run(core, &actor, payments as u64, clients as usize).await?)
        }
        "bench-cards" => {
            let cards = a.take("--cards").map(|s| int(&s, "--cards")).transpose()?.unwrap_or(1_000_000);
            a.done()?;
            to_json(&crate::bench::card_pages(core, &actor, cards).await?)
        }
        other => return Err(usage(format!("unknown command {other:?}"))),
    };
    Ok((v, 0))
}

fn to_json<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

async fn mall(core: &Core, actor: &Actor, a: &mut Args) -> Result<Value> {
    match a.word("mall subcommand")?.as_str() {
        "add" => {
            let r = MallAddRequest {
                code: a.need("--code")?,
                name: a.need("--name")?,
                region: a.need("--region")?,
                city_tier: CityTier::parse(&a.need("--city-tier")?)?,
                mode: a.take("--mode").map(|m| crate::analytics::Mode::parse(&m)).transpose()?,
                card_since: a.take("--card-since"),
            };
            a.done()?;
            core.mall_add(actor, r).await
        }
        "set-mode" => analytics_cmd::mall_set_mode(core, actor, a).await,
        s => Err(usage(format!("unknown mall subcommand {s:?}"))),
    }
}

async fn card(core: &Core, actor: &Actor, a: &mut Args) -> Result<Value> {
    let sub = a.word("card subcommand")?;
    match sub.as_str() {
        "issue" => {
            let card_type = CardType::parse(&a.need("--type")?)?;
            let name = a.take("--holder-name");
            let id = a.take("--id-number");
            let phone = a.take("--phone");
            let holder = if name.is_none() && id.is_none() && phone.is_none() {
                None
            } else {
                Some(Holder {
                    name: name.unwrap_or_default(),
                    id_number: id.unwrap_or_default(),
                    phone: phone.unwrap_or_default(),
                })
            };
            let r = IssueRequest { card_type, holder, mall: a.take("--mall") };
            a.done()?;
            Ok(to_json(&core.issue_card(actor, r).await?))
        }
        "batch-issue" => {
            let card_type = CardType::parse(&a.need("--type")?)?;
            let count = int(&a.need("--count")?, "--count")?;
            let r = BatchIssueRequest {
                card_type,
                count: u32::try_from(count)
                    .map_err(|_| Error::new("invalid_count", "a batch issues 1 to 10,000 cards"))?,
                face_value: a.take("--face-value").map_or(Ok(Money::ZERO), |s| Money::parse_allow_zero(&s))?,
                reference: a.need("--ref")?,
                buyer_name: a.take("--buyer-name"),
                buyer_id: a.take("--buyer-id"),
                channel: a.take("--channel").map_or(Ok(Channel::Cash), |s| Channel::parse(&s))?,
                payer_type: a.take("--payer-type").map_or(Ok(PayerType::Person), |s| PayerType::parse(&s))?,
                payer_name: a.take("--payer-name"),
                funding: a.take("--funding").map_or(Ok(Funding::Debit), |s| Funding::parse(&s))?,
                mall: a.take("--mall"),
            };
            a.done()?;
            Ok(to_json(&core.batch_issue(actor, r).await?))
        }
        "show" => {
            let c = CardNumber::parse(&a.word("CARD")?)?;
            a.done()?;
            Ok(to_json(&core.card_show(actor, &c).await?))
        }
        "list" => {
            let q = crate::read::CardQuery {
                status: a.take("--status").map(|s| CardStatus::parse(&s)).transpose()?,
                card_type: a.take("--type").map(|s| CardType::parse(&s)).transpose()?,
                mall: a.take("--mall"),
                phone: a.take("--phone"),
                number: a.take("--number"),
                after: a.take("--after"),
                limit: a.take("--limit").map(|s| int(&s, "--limit")).transpose()?.unwrap_or(50),
                ..Default::default()
            };
            a.done()?;
            let page = core.card_list(actor, &q).await?;
            Ok(json!({"cards": page.rows, "count": page.rows.len(), "next": page.next}))
        }
        "history" => {
            let c = CardNumber::parse(&a.word("CARD")?)?;
            a.done()?;
            let acts = core.card_history(actor, &c).await?;
            Ok(json!({"card": c.as_str(), "activities": acts}))
        }
        "qr" => {
            let c = CardNumber::parse(&a.word("CARD")?)?;
            a.done()?;
            Ok(
                json!({"card": c.as_str(), "qr_payload": core.card_qr(actor, &c).await?.payload, "expires_in": crate::read::QR_TTL_SECONDS}),
            )
        }
        "freeze" | "unfreeze" | "report-loss" | "close" | "replace" | "extend" => {
            let action = match sub.as_str() {
                "freeze" => CardAction::Freeze,
                "unfreeze" => CardAction::Unfreeze,
                "report-loss" => CardAction::ReportLoss,
                "close" => CardAction::Close,
                "replace" => CardAction::Replace,
                _ => CardAction::Extend,
            };
            let card = CardNumber::parse(&a.word("CARD")?)?;
            let r = CardActionRequest { card, action, reason: a.take("--reason"), reference: a.take("--ref") };
            a.done()?;
            Ok(to_json(&core.card_action(actor, r).await?))
        }
        s => Err(usage(format!("unknown card subcommand {s:?}"))),
    }
}

async fn user_cmd(core: &Core, actor: &Actor, a: &mut Args) -> Result<Value> {
    let sub = a.word("user subcommand")?;
    match sub.as_str() {
        "add" => {
            let name = a.word("NAME")?;
            let role = Role::parse(&a.need("--role")?)?;
            let scopes = a.take_all("--scope");
            a.done()?;
            let r = UserAddRequest { name, role, scopes, password: None };
            Ok(to_json(&core.user_add(actor, r).await?))
        }
        "password" => {
            let name = a.word("NAME")?;
            // Never on the command line (shell history, ps): only from stdin.
            if !a.switch("--password-stdin") {
                return Err(usage("user password NAME --password-stdin (the password is read from stdin)"));
            }
            a.done()?;
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .map_err(|e| Error::new("usage", format!("cannot read the password from stdin: {e}")))?;
            let password = password.strip_suffix('\n').unwrap_or(&password);
            let password = password.strip_suffix('\r').unwrap_or(password);
            core.user_set_password(actor, &name, password).await?;
            Ok(json!({"user": name, "password_set": true}))
        }
        "list" => {
            a.done()?;
            Ok(json!({ "users": core.user_list(actor).await? }))
        }
        "lock" | "unlock" => {
            let name = a.word("NAME")?;
            a.done()?;
            Ok(to_json(&core.user_lock(actor, &name, sub == "lock").await?))
        }
        s => Err(usage(format!("unknown user subcommand {s:?}"))),
    }
}

async fn rule(core: &Core, actor: &Actor, a: &mut Args) -> Result<Value> {
    match a.word("rule subcommand")?.as_str() {
        "set" => {
            let name = a.word("NAME")?;
            let value = a.word("VALUE")?;
            a.done()?;
            core.rule_set(actor, &name, &value).await
        }
        "list" => {
            a.done()?;
            let rules = crate::rules::Rules::load(&core.db().pool).await?;
            let m: serde_json::Map<String, Value> = crate::rules::RULE_NAMES
                .iter()
                .map(|n| (n.to_string(), Value::String(rules.get(n).unwrap_or_default())))
                .collect();
            Ok(json!({ "rules": m }))
        }
        s => Err(usage(format!("unknown rule subcommand {s:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn negative_numbers_are_values() {
        let a = parse_args(v(&["topup", "123", "-1", "--ref", "x"])).unwrap();
        assert_eq!(a.words, v(&["topup", "123", "-1"]));
    }

    #[test]
    fn unknown_short_flag_is_usage() {
        assert_eq!(parse_args(v(&["-x"])).err().unwrap().code, "usage");
    }

    #[test]
    fn leftovers_are_refused() {
        let mut a = parse_args(v(&["verify", "--bogus", "1"])).unwrap();
        a.word("c").unwrap();
        assert_eq!(a.done().unwrap_err().code, "usage");
    }
}
