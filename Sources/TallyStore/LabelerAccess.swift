import Foundation
import GRDB

/// Why an operating-system account may not do what it asked, and what to do instead.
public struct LabelerAccessError: Error, CustomStringConvertible, Equatable {
    public var description: String

    public init(_ description: String) { self.description = description }
}

/// Who may label as whom, and who manages the labelers.
///
/// A person labels as their operating-system account (``TallyDatabase/account``), registered as a labeler the
/// first time they label. Admins — the workspace's creator first, then whoever an admin promotes — may add
/// labelers, change roles, and label as another labeler; the Review screen shows everyone's labels to them
/// only. Checks and changes happen in one transaction.
///
/// ```swift
/// let me = try database.labelerToWorkAs(nil)          // the account's own labeler
/// try database.addLabeler(named: "bob", role: .labeler)  // admins only
/// ```
extension TallyDatabase {
    /// The labeler a labeling session works as: the account's own labeler when `name` is nil or the account's own
    /// name (registered as a labeler on first use); another labeler only for an admin (created if new).
    ///
    /// - Throws: ``LabelerAccessError`` when the account is not an admin and `name` is someone else.
    public func labelerToWorkAs(_ name: String?) throws -> Labeler {
        let wanted = try Self.labelerName(name ?? account)
        return try write { db in
            try checkMayWork(db, as: wanted)
            return try Self.labeler(db, named: wanted) ?? Self.insertLabeler(db, named: wanted, role: .labeler)
        }
    }

    /// Checks, writing nothing, that the account may work as `name` (see ``labelerToWorkAs(_:)``).
    public func checkMayWorkAs(_ name: String?) throws {
        let wanted = try Self.labelerName(name ?? account)
        try read { db in try checkMayWork(db, as: wanted) }
    }

    /// Whether the account is an admin of this workspace: its labeler has the admin role.
    public func accountIsAdmin() throws -> Bool {
        try read { db in try Self.labeler(db, named: account)?.role == .admin }
    }

    /// Throws unless the account is an admin; `action` completes "only an admin can …".
    public func requireAdmin(to action: String) throws {
        try read { db in try requireAdmin(db, to: action) }
    }

    /// Adds labeler `name` with `role`. Admins only; the name must be new.
    ///
    /// ```swift
    /// try database.addLabeler(named: "bob", role: .admin)
    /// ```
    @discardableResult
    public func addLabeler(named name: String, role: LabelerRole) throws -> Labeler {
        let wanted = try Self.labelerName(name)
        return try write { db in
            try requireAdmin(db, to: "add labelers")
            if let existing = try Self.labeler(db, named: wanted) {
                throw LabelerAccessError(
                    "\(wanted) is already a labeler (role \(existing.role.rawValue)); change a role with "
                        + "`tally labeler role \(wanted) ROLE`")
            }
            return try Self.insertLabeler(db, named: wanted, role: role)
        }
    }

    /// Gives labeler `name` the role `role`. Admins only; the last admin cannot step down, so that a workspace
    /// always has someone who can manage it.
    @discardableResult
    public func setRole(_ role: LabelerRole, ofLabelerNamed name: String) throws -> Labeler {
        let wanted = try Self.labelerName(name)
        return try write { db in
            try requireAdmin(db, to: "change roles")
            guard var labeler = try Self.labeler(db, named: wanted) else {
                throw LabelerAccessError(
                    "no labeler is named \(wanted); add one with `tally labeler add \(wanted) --role \(role.rawValue)`")
            }
            if labeler.role == .admin, role != .admin {
                let admins = try Int.fetchOne(db, sql: "SELECT count(*) FROM labeler WHERE role = 'admin'") ?? 0
                if admins <= 1 {
                    throw LabelerAccessError(
                        "\(wanted) is the workspace's only admin; make someone else an admin first "
                            + "(`tally labeler role NAME admin`)")
                }
            }
            try db.execute(sql: "UPDATE labeler SET role = ? WHERE id = ?", arguments: [role.rawValue, labeler.id])
            labeler.role = role
            return labeler
        }
    }

    private func requireAdmin(_ db: Database, to action: String) throws {
        let me = try Self.labeler(db, named: account)
        guard me?.role != .admin else { return }
        let admins = try String.fetchAll(db, sql: "SELECT name FROM labeler WHERE role = 'admin' ORDER BY name")
        let who = me == nil ? "not a labeler of this workspace" : "a labeler, not an admin"
        let ask =
            admins.isEmpty
            ? "this workspace has no admin; its creator becomes one when they open it with this version of Tally"
            : "ask an admin (\(admins.joined(separator: ", "))) to run `tally labeler role \(account) admin`"
        throw LabelerAccessError("only an admin can \(action); you (OS account \(account)) are \(who): \(ask)")
    }

    private func checkMayWork(_ db: Database, as name: String) throws {
        guard name != account else { return }
        do {
            try requireAdmin(db, to: "label as someone else (\(name))")
        } catch let error as LabelerAccessError {
            throw LabelerAccessError(error.description + "; to label as yourself, leave out --as")
        }
    }
}
