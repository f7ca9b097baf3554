//! A provider binary's `main` in one call: what every plugin does before and around [`serve`].

use std::process::ExitCode;

use tonic::service::Routes;

use super::server::{serve, ServeOptions};
use super::{logging, signals, tls, Launch};

/// Sets up logging from the environment and the TLS crypto provider, reads how the plugin was
/// launched (the host's environment, or `debug`: plaintext for a debugger, see
/// [`ServeOptions::debug`]), installs the signal handlers, then serves the routes `routes`
/// builds for those options (e.g. tied to [`ServeOptions::shutdown_token`]) until the host
/// shuts the plugin down. What goes wrong is printed to stderr (and logged, once logging is
/// up); the result is the process's exit code.
pub async fn run(debug: bool, routes: impl FnOnce(&ServeOptions) -> Routes) -> ExitCode {
    logging::init_from_env();
    tls::install_crypto_provider();
    let opts = if debug {
        ServeOptions::debug()
    } else {
        match Launch::from_env() {
            Ok(launch) => ServeOptions::managed(launch),
            Err(err) => {
                eprintln!("{err}");
                return ExitCode::FAILURE;
            }
        }
    };
    if let Err(err) = signals::spawn_signal_handler(&opts) {
        eprintln!("cannot install signal handlers: {err}");
        return ExitCode::FAILURE;
    }
    match serve(routes(&opts), opts).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "provider server failed");
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}
