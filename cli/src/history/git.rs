//! Reading a git repository through the `git` command: its release tags, the files of a
//! commit, and their contents through one long-running `git cat-file --batch` (one process
//! per file would cost minutes over a hundred releases).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use lago_webhooks_codegen::LagoVersion;

/// A release of the repository: a version tag, or `HEAD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The tag as written (`v1.9.0`), or `HEAD`.
    pub tag: String,
    /// Its version, for ordering and for `--from`/`--to`; `None` for `HEAD`, which comes last.
    pub version: Option<LagoVersion>,
    /// The commit it names.
    pub commit: String,
    /// The commit's date (`YYYY-MM-DD`).
    pub date: String,
}

/// A release version, `vX.Y.Z` or `X.Y.Z` as a tag writes it; anything else (pre-releases
/// like `v0.5.0-alpha`, `v1.2`) is not a release.
pub fn version(tag: &str) -> Option<LagoVersion> {
    tag.parse().ok()
}

/// A git repository read through the `git` command.
pub struct Repo {
    dir: PathBuf,
}

impl Repo {
    /// The repository at `dir` (a work tree or a bare directory); an error when git does not
    /// take it for one.
    pub fn open(dir: &Path) -> Result<Repo, String> {
        let repo = Repo { dir: dir.to_owned() };
        repo.git(&["rev-parse", "--git-dir"])
            .map_err(|err| format!("{} is not a git repository: {err}", dir.display()))?;
        Ok(repo)
    }

    /// Runs git with `args` in the repository, returning its stdout.
    fn git(&self, args: &[&str]) -> Result<String, String> {
        let output = Command::new("git")
            .arg("-C")
            .arg(&self.dir)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|err| format!("cannot run git: {err}"))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(format!("git {} failed: {}", args.join(" "), stderr.trim()));
        }
        String::from_utf8(output.stdout).map_err(|_| format!("git {} printed invalid UTF-8", args.join(" ")))
    }

    /// The releases from 1.0.0 on, oldest first, then `HEAD`. A tag without the `v` prefix
    /// counts only when no `v` tag has its version: Lago's `1.38.0` is a second name of
    /// `v1.38.0`'s commit, and would otherwise show as a release without changes.
    pub fn releases(&self) -> Result<Vec<Release>, String> {
        let listing = self.git(&["tag", "--list"])?;
        let mut tags: Vec<(LagoVersion, String)> = Vec::new();
        for tag in listing.lines().map(str::trim) {
            if let Some(version) = version(tag).filter(|version| version.major >= 1) {
                tags.push((version, tag.to_owned()));
            }
        }
        // `v` tags sort before bare ones of the same version, so the first of each is kept.
        tags.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.starts_with('v').cmp(&a.1.starts_with('v'))));
        tags.dedup_by(|later, earlier| later.0 == earlier.0);
        if tags.is_empty() {
            return Err(format!("{} has no release tag (vX.Y.Z from v1.0.0 on)", self.dir.display()));
        }
        let mut releases = Vec::with_capacity(tags.len() + 1);
        for (version, tag) in tags {
            let (commit, date) = self.commit_of(&tag)?;
            releases.push(Release { tag, version: Some(version), commit, date });
        }
        let (commit, date) = self.commit_of("HEAD")?;
        releases.push(Release { tag: "HEAD".to_owned(), version: None, commit, date });
        Ok(releases)
    }

    /// The commit a name points to, and its date.
    fn commit_of(&self, name: &str) -> Result<(String, String), String> {
        let line = self.git(&["log", "-1", "--format=%H %cs", &format!("{name}^{{commit}}"), "--"])?;
        let mut parts = line.split_whitespace();
        match (parts.next(), parts.next()) {
            (Some(commit), Some(date)) => Ok((commit.to_owned(), date.to_owned())),
            _ => Err(format!("git log printed no commit for {name}")),
        }
    }

    /// The files (path, blob id) of `commit` under `paths`.
    pub fn files(&self, commit: &str, paths: &[&str]) -> Result<Vec<(String, String)>, String> {
        let mut args = vec!["ls-tree", "-r", "-z", commit, "--"];
        args.extend_from_slice(paths);
        let listing = self.git(&args)?;
        let mut files = Vec::new();
        for entry in listing.split('\0').filter(|entry| !entry.is_empty()) {
            // `<mode> <type> <id>\t<path>`
            let Some((head, path)) = entry.split_once('\t') else {
                return Err(format!("git ls-tree printed an entry without a path: {entry:?}"));
            };
            let mut fields = head.split(' ');
            let (_mode, kind, id) = (fields.next(), fields.next(), fields.next());
            if let (Some("blob"), Some(id)) = (kind, id) {
                files.push((path.to_owned(), id.to_owned()));
            }
        }
        Ok(files)
    }

    /// A reader of blobs through one `git cat-file --batch` process.
    pub fn blobs(&self) -> Result<Blobs, String> {
        let mut child = Command::new("git")
            .arg("-C")
            .arg(&self.dir)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|err| format!("cannot run git cat-file: {err}"))?;
        let (Some(input), Some(output)) = (child.stdin.take(), child.stdout.take()) else {
            return Err("git cat-file started without pipes".to_owned());
        };
        Ok(Blobs { child, input, output: BufReader::new(output) })
    }
}

/// Blob contents read one after the other through `git cat-file --batch`: each request is
/// written and its answer read before the next, so neither pipe can fill up.
pub struct Blobs {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Blobs {
    /// The text of blob `id`; invalid UTF-8 is replaced, for Ruby source is read, not kept.
    pub fn read(&mut self, id: &str) -> Result<String, String> {
        let broken = |err: std::io::Error| format!("git cat-file stopped answering: {err}");
        self.input.write_all(format!("{id}\n").as_bytes()).map_err(broken)?;
        self.input.flush().map_err(broken)?;
        let mut header = String::new();
        self.output.read_line(&mut header).map_err(broken)?;
        // `<id> <type> <size>`, or `<id> missing`.
        let mut fields = header.split_whitespace();
        let (_id, kind, size) = (fields.next(), fields.next(), fields.next());
        let size: usize = match (kind, size.and_then(|size| size.parse().ok())) {
            (Some(_), Some(size)) => size,
            _ => return Err(format!("git cat-file cannot read {id}: {}", header.trim())),
        };
        let mut body = vec![0; size + 1];
        self.output.read_exact(&mut body).map_err(broken)?;
        body.pop();
        Ok(String::from_utf8_lossy(&body).into_owned())
    }
}

impl Drop for Blobs {
    fn drop(&mut self) {
        // Closing stdin ends the process; waiting reaps it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dir: &Path, args: &[&str]) {
        let status = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .env("GIT_AUTHOR_DATE", "2024-01-02T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2024-01-02T00:00:00Z")
            .stdout(Stdio::null())
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    }

    #[test]
    fn versions_are_read_and_ordered() {
        assert_eq!(version("v1.10.0"), Some(LagoVersion::new(1, 10, 0)));
        assert_eq!(version("1.38.0"), Some(LagoVersion::new(1, 38, 0)));
        assert_eq!(version("v0.5.0-alpha"), None);
        assert_eq!(version("v1.2"), None);
        assert!(LagoVersion::new(1, 9, 0) < LagoVersion::new(1, 10, 0));
    }

    #[test]
    fn releases_and_files_are_read_from_a_repository() {
        let dir = std::env::temp_dir().join(format!("lago-history-git-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("app")).expect("temp dir");
        run(&dir, &["init", "-q"]);
        std::fs::write(dir.join("app/a.rb"), "first\n").expect("write");
        run(&dir, &["add", "."]);
        run(&dir, &["commit", "-q", "-m", "one"]);
        run(&dir, &["tag", "v1.10.0"]);
        run(&dir, &["tag", "v0.9.0-beta"]);
        std::fs::write(dir.join("app/a.rb"), "second\n").expect("write");
        run(&dir, &["commit", "-q", "-am", "two"]);
        run(&dir, &["tag", "v1.9.0"]);
        run(&dir, &["tag", "1.9.0"]);

        let repo = Repo::open(&dir).expect("a repository");
        let releases = repo.releases().expect("releases");
        let tags: Vec<&str> = releases.iter().map(|release| release.tag.as_str()).collect();
        assert_eq!(tags, ["v1.9.0", "v1.10.0", "HEAD"]);
        assert_eq!(releases[0].commit, releases[2].commit);
        assert_eq!(releases[0].date, "2024-01-02");

        let files = repo.files(&releases[1].commit, &["app"]).expect("files");
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].0, "app/a.rb");
        let mut blobs = repo.blobs().expect("cat-file");
        assert_eq!(blobs.read(&files[0].1).expect("blob"), "first\n");
        let head = repo.files("HEAD", &["app"]).expect("files");
        assert_eq!(blobs.read(&head[0].1).expect("blob"), "second\n");
        assert!(blobs.read("0000000000000000000000000000000000000000").is_err());

        let not_repo = std::env::temp_dir().join(format!("lago-history-none-{}", std::process::id()));
        std::fs::create_dir_all(&not_repo).expect("temp dir");
        assert!(Repo::open(&not_repo).is_err());
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&not_repo);
    }
}
