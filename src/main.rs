use clap::Parser;

fn main() {
    let cli = drydock::cli::Cli::parse();
    std::process::exit(drydock::cli::run(cli));
}
