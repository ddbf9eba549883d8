//! Digitizes an ECG page through the safe wrapper and prints each lead.
//! Usage: digitize PAGE.png
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: digitize PAGE");
        return ExitCode::from(2);
    };
    match run(&path) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run(path: &str) -> Result<bool, ecgdig::Error> {
    let mut pipeline = ecgdig::Pipeline::new(&ecgdig::Options::default())?;
    let page = pipeline.digitize_file(path)?;
    drop(pipeline); // the page stays valid
    let leads = page.leads()?;
    println!(
        "ecgdig {}: {path}, layout {}, {} leads",
        ecgdig::version(),
        page.layout()?,
        leads.len()
    );
    for lead in &leads {
        let shown: Vec<f32> = lead.mv.iter().copied().filter(|v| v.is_finite()).collect();
        let first: Vec<String> = shown.iter().take(5).map(|v| format!("{v:+.3}")).collect();
        println!(
            "{:<4} {} samples at {} Hz from {:.2} s: {} mV",
            lead.name,
            shown.len(),
            lead.fs_hz,
            lead.start_s,
            first.join(" ")
        );
    }
    Ok(leads.len() == 12 && leads.iter().all(|l| l.mv.iter().any(|v| v.is_finite())))
}
