//! The workshop's exercises: in a scratch copy of the repository, each
//! check fails before its reference solution and passes once the solution
//! (`workshop/solutions/NN-*.patch`) is applied with `git apply` on top of
//! the ones before. So no exercise, check or solution can rot.

use std::process::{Command, Output};

use crate::scratch::Scratch;

fn check(scratch: &Scratch, number: usize) -> Output {
    Command::new(Scratch::bin("workshop"))
        .args(["check", &number.to_string()])
        .current_dir(scratch.path())
        .env_remove("ISSUER")
        .env_remove("BASIC_AUTH_USER")
        .env_remove("BASIC_AUTH_PASSWORD")
        .env_remove("LOCAL_OKTA_STRICT_HOOKS")
        .env_remove("HOOK_MISBEHAVE")
        .output()
        .expect("the check runs")
}

fn said(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn each_check_fails_before_its_solution_and_passes_after_it() {
    let scratch = Scratch::copy();
    let mut solutions: Vec<_> = std::fs::read_dir(scratch.path().join("workshop/solutions"))
        .expect("the solutions")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "patch"))
        .collect();
    solutions.sort();
    assert_eq!(
        solutions.len(),
        6,
        "one solution per exercise: {solutions:?}"
    );
    scratch.build();
    for (index, patch) in solutions.iter().enumerate() {
        let number = index + 1;
        let before = check(&scratch, number);
        assert!(
            !before.status.success(),
            "exercise {number}'s check passes before its solution:\n{}",
            said(&before)
        );
        assert!(
            said(&before).contains('✗'),
            "exercise {number}'s check says what is wrong:\n{}",
            said(&before)
        );
        let applied = Command::new("git")
            .args(["apply", "--verbose"])
            .arg(patch)
            .current_dir(scratch.path())
            .output()
            .expect("git apply runs");
        assert!(
            applied.status.success(),
            "{} does not apply: {}",
            patch.display(),
            said(&applied)
        );
        scratch.build();
        let after = check(&scratch, number);
        assert!(
            after.status.success(),
            "exercise {number}'s solution fails its check:\n{}",
            said(&after)
        );
        assert!(!said(&after).contains('✗'), "{}", said(&after));
    }
    // The solutions change the hook's own tests too: with all of them
    // applied, those pass and every other test still compiles.
    let tested = scratch.cargo(&["test", "--quiet", "-p", "hook-service", "-p", "token-hook"]);
    assert!(
        tested.status.success(),
        "the hook's tests:\n{}",
        said(&tested)
    );
    let built = scratch.cargo(&["test", "--no-run", "--quiet", "--workspace"]);
    assert!(
        built.status.success(),
        "every test builds:\n{}",
        said(&built)
    );
}
