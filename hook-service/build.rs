//! Rebuilds the hook when a migration is added or changed: `sqlx::migrate!`
//! embeds `migrations/` at compile time, and Cargo would otherwise not
//! notice a new `.sql` file (as sqlx's documentation advises).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
