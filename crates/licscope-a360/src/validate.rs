//! Consistency checks on a decoded [`LicenseDetails`].

use std::fmt;

use crate::model::{ControlRoomId, FailSafeStatus, LicenseDetails, LicenseMode};

/// One inconsistency that [`LicenseDetails::validate`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    kind: DiagnosticKind,
    field: &'static str,
    message: String,
}

/// What a [`Diagnostic`] is about.
///
/// New kinds may be added in minor releases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// A documented field is absent or `null`.
    MissingField,
    /// `type` is not a documented value.
    UnknownLicenseType,
    /// `licenseMode` is not a documented value.
    UnknownLicenseMode,
    /// `failSafeStatus` is not 0, 1 or 2.
    UnknownFailSafeStatus,
    /// `expirationDate` is before `installationDate`.
    ExpiryBeforeInstallation,
    /// A file license reports a fail-safe status other than 0, which the vendor rules out.
    FileLicenseInFailSafe,
    /// A file license reports a Control Room id, which the vendor leaves empty for file licenses.
    FileLicenseWithControlRoomId,
    /// `installedCrId` is neither empty nor a UUID.
    MalformedControlRoomId,
}

impl Diagnostic {
    /// What the diagnostic is about.
    pub fn kind(&self) -> DiagnosticKind {
        self.kind
    }

    /// The vendor field it concerns, as a path (`expirationDate`).
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// A sentence describing the inconsistency.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl LicenseDetails {
    /// Reports every inconsistency in the decoded document, in field order.
    ///
    /// Decoding is lenient because real Control Rooms vary; this is the strict view. An empty
    /// list means the document is complete and consistent with the vendor's documentation.
    pub fn validate(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut push = |kind, field, message: String| {
            out.push(Diagnostic {
                kind,
                field,
                message,
            });
        };
        for (field, present) in [
            ("type", self.license_type.is_some()),
            ("installationDate", self.installation_date.is_some()),
            ("expirationDate", self.expiration_date.is_some()),
            ("failSafeStatus", self.fail_safe_status.is_some()),
            (
                "controlRoomLicenseServerSyncStatus",
                self.license_server_synced.is_some(),
            ),
            ("installedCrId", self.installed_control_room.is_some()),
            ("licenseMode", self.license_mode.is_some()),
        ] {
            if !present {
                push(
                    DiagnosticKind::MissingField,
                    field,
                    "the field is missing or null".to_owned(),
                );
            }
        }
        if let Some(t) = self.license_type.as_ref().filter(|t| !t.is_known()) {
            push(
                DiagnosticKind::UnknownLicenseType,
                "type",
                format!(
                    "unknown license type {:?} (known: PURCHASED, TRIAL)",
                    t.as_str()
                ),
            );
        }
        if let (Some(installed), Some(expires)) = (self.installation_date, self.expiration_date)
            && expires < installed
        {
            push(
                DiagnosticKind::ExpiryBeforeInstallation,
                "expirationDate",
                "the license expires before it was installed".to_owned(),
            );
        }
        if let Some(status) = self.fail_safe_status.filter(|s| !s.is_known()) {
            push(
                DiagnosticKind::UnknownFailSafeStatus,
                "failSafeStatus",
                format!(
                    "unknown fail-safe status {} (known: 0, 1, 2)",
                    status.code()
                ),
            );
        }
        if let Some(ControlRoomId::Other(id)) = &self.installed_control_room {
            push(
                DiagnosticKind::MalformedControlRoomId,
                "installedCrId",
                format!("{id:?} is neither empty nor a UUID"),
            );
        }
        match &self.license_mode {
            Some(LicenseMode::FileLicense) => {
                if let Some(status) = self
                    .fail_safe_status
                    .filter(|s| *s != FailSafeStatus::Connected)
                {
                    push(
                        DiagnosticKind::FileLicenseInFailSafe,
                        "failSafeStatus",
                        format!(
                            "a file license always reports fail-safe status 0, found {}",
                            status.code()
                        ),
                    );
                }
                if self
                    .installed_control_room
                    .as_ref()
                    .is_some_and(ControlRoomId::is_assigned)
                {
                    push(
                        DiagnosticKind::FileLicenseWithControlRoomId,
                        "installedCrId",
                        "a file license reports no Control Room id, found one".to_owned(),
                    );
                }
            }
            Some(mode) if !mode.is_known() => push(
                DiagnosticKind::UnknownLicenseMode,
                "licenseMode",
                format!(
                    "unknown license mode {:?} (known: FileLicense, CloudLicense)",
                    mode.as_str()
                ),
            ),
            _ => {}
        }
        out
    }
}
