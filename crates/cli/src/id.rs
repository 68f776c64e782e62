//! `cellpath id`: checks a donation identification number as a person types
//! it or a scanner sends it, without the database. Exit status 0 when its
//! check character (or flag) is right, 1 with the reason when it is not.

use anyhow::{Context, Result};
use cellpath_domain::donation::DonationId;
use clap::Subcommand;

#[derive(Subcommand, Clone, Debug)]
pub enum IdCommand {
    /// Check an identifier's check character: the printed form (`G123498654321H`)
    /// or the barcode data (`=G12349865432177`). Exit status 0 valid, 1 refused.
    Check {
        /// The identifier, printed or as barcode data.
        #[arg(value_name = "ID", allow_hyphen_values = true)]
        id: String,
    },
}

/// Runs the command; a refused identifier is an error whose message says why.
pub fn run(command: &IdCommand) -> Result<()> {
    match command {
        IdCommand::Check { id } => {
            let parsed = DonationId::parse(id)
                .with_context(|| format!("{} is not a valid donation identifier", id.trim()))?;
            println!("{}", describe(&parsed));
            Ok(())
        }
    }
}

fn describe(id: &DonationId) -> String {
    format!(
        "{} is valid: facility {}, year {:02}, sequence {:06}, check character {}, barcode {}",
        id.printed(),
        id.facility().as_str(),
        id.year_two_digits(),
        id.sequence(),
        id.check_character(),
        id.barcode_data()
    )
}
