use clap::Parser;

fn main() {
    // Logs (stage timings, provider start-up) go to stderr when DRYDOCK_LOG asks for them,
    // e.g. DRYDOCK_LOG=info.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DRYDOCK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = drydock::cli::Cli::parse();
    std::process::exit(drydock::cli::run(cli));
}
