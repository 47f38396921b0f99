// Release builds on Windows must not open a console window next to the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(error) = inlet_desktop::run() {
        eprintln!("Inlet could not start: {error}");
        std::process::exit(1);
    }
}
