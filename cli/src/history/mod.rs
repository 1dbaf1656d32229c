//! `history`: what each release of Lago's server sends, read from a lago-api git
//! repository at its release tags (v1.0.0 on) and `HEAD`: the webhook types, and the
//! payload keys of each as a tree of objects and arrays of objects.
//!
//! It reads the Ruby source, never runs it: the webhook services under
//! `app/services/webhooks` (and `config/webhook_event_types.yml`, the catalogue of the
//! releases that have one) and the serializers under `app/serializers`. A key is listed
//! when some delivery can carry it (conditions other than the service's includes count
//! as both ways). What cannot be read is reported per release as `unread` instead of
//! being guessed. Files are read through one `git cat-file --batch` and parsed once per
//! blob, for most files do not change between two releases.
//!
//! Limits: see `read` and `ruby` for the Ruby it understands. Nothing of Lago's code is
//! kept, only the names of types and keys.

mod fixtures;
mod git;
mod propose;
mod read;
mod report;
mod ruby;
mod tree;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;

use git::{Release, Repo};
use read::{Codebase, Reading};

/// Arguments of `lago-webhooks history`.
#[derive(clap::Args)]
#[command(after_help = "Exits with 0 when it read the releases, 2 when it cannot run (not a git \
repository, no release tag, git failing). It reads app/services/webhooks, \
config/webhook_event_types.yml and app/serializers at each tag vX.Y.Z from v1.0.0 on (a tag \
without the v counts only when no v tag has its version) and at HEAD.")]
pub struct Args {
    /// A lago-api git repository with its tags (a clone, or a bare repository).
    #[arg(long = "lago-api", value_name = "DIR")]
    lago_api: PathBuf,
    /// Print the whole reading as JSON: each release with its tag, commit, date, messages
    /// (webhook type to object type, payload key and tree of keys) and what it could not read.
    #[arg(long)]
    json: bool,
    /// The first release to read (a tag such as v1.9.0).
    #[arg(long, value_name = "TAG")]
    from: Option<String>,
    /// The last release to read (a tag, or HEAD).
    #[arg(long, value_name = "TAG")]
    to: Option<String>,
    /// Compare the readings with this spec: the `since` and `until` they give each message
    /// and field, from the spec's floor to its latest release (what only later commits
    /// send is `unreleased`). Exits with 1 when the spec says otherwise.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["json", "from", "to"])]
    spec: Option<PathBuf>,
    /// With --spec: write the proposed `since` and `until` into the spec.
    #[arg(long, requires = "spec")]
    write: bool,
    /// With --spec: instead of comparing, write payloads rebuilt as each release of
    /// --at sent them into DIR/<tag>.json (keys from the release's serializers, values from
    /// the spec's examples).
    #[arg(long, value_name = "DIR", requires_all = ["spec", "at"], conflicts_with = "write")]
    fixtures: Option<PathBuf>,
    /// With --fixtures: the releases to rebuild payloads for (tags, comma-separated).
    #[arg(long, value_name = "TAGS", value_delimiter = ',', requires = "fixtures")]
    at: Vec<String>,
}

/// One release and what it sends.
pub struct ReleaseReading {
    /// The release.
    pub release: Release,
    /// Its messages and what could not be read.
    pub reading: Reading,
}

/// Runs the command: 0 when the releases were read, 2 when it could not run.
pub fn main(args: Args) -> ExitCode {
    if let Some(spec) = &args.spec {
        return match propose::run(&args, spec) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(message) => {
                crate::output::error(&message);
                ExitCode::from(2)
            }
        };
    }
    match run(&args) {
        Ok(readings) => {
            if args.json {
                report::json(&readings);
            } else {
                report::summary(&readings);
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            crate::output::error(&message);
            ExitCode::from(2)
        }
    }
}

/// The path of the files read at each release.
const SERVICES: &str = "app/services/webhooks";
const SERIALIZERS: &str = "app/serializers";
const CATALOGUE: &str = "config/webhook_event_types.yml";

fn run(args: &Args) -> Result<Vec<ReleaseReading>, String> {
    let repo = Repo::open(&args.lago_api)?;
    let releases = select(repo.releases()?, args.from.as_deref(), args.to.as_deref())?;
    let mut blobs = repo.blobs()?;
    // Parsed files by blob id: most files are the same from one release to the next.
    let mut parsed: HashMap<String, Rc<Vec<ruby::ClassDef>>> = HashMap::new();
    let mut readings = Vec::with_capacity(releases.len());
    for release in releases {
        let mut code = Codebase::default();
        let mut services = Vec::new();
        let mut catalogue = None;
        for (path, id) in repo.files(&release.commit, &[SERVICES, SERIALIZERS, CATALOGUE])? {
            if path == CATALOGUE {
                catalogue = Some(read::catalogue(&blobs.read(&id)?));
                continue;
            }
            if !path.ends_with(".rb") {
                continue;
            }
            let classes = match parsed.get(&id) {
                Some(classes) => Rc::clone(classes),
                None => {
                    let classes = Rc::new(ruby::classes(&blobs.read(&id)?));
                    parsed.insert(id, Rc::clone(&classes));
                    classes
                }
            };
            code.add(&classes);
            if path.starts_with(SERVICES) {
                services.extend(classes.iter().map(|class| class.name.clone()));
            }
        }
        services.sort();
        services.dedup();
        let reading = read::messages(&code, &services, catalogue.as_deref());
        readings.push(ReleaseReading { release, reading });
    }
    Ok(readings)
}

/// The releases from `from` to `to`, both included.
fn select(releases: Vec<Release>, from: Option<&str>, to: Option<&str>) -> Result<Vec<Release>, String> {
    let position = |tag: &str| -> Result<usize, String> {
        let wanted = git::version(tag);
        releases
            .iter()
            .position(|release| release.tag == tag || (wanted.is_some() && release.version == wanted))
            .ok_or_else(|| format!("no release {tag} (releases are vX.Y.Z tags from v1.0.0 on, and HEAD)"))
    };
    let start = from.map(position).transpose()?.unwrap_or(0);
    let end = to.map(position).transpose()?.unwrap_or(releases.len() - 1);
    if start > end {
        return Err(format!("--from {} comes after --to {}", from.unwrap_or(""), to.unwrap_or("")));
    }
    Ok(releases.into_iter().skip(start).take(end - start + 1).collect())
}
