import Foundation

/// Runs a `LabelingApp` on the real terminal until the labeler quits or the connection drops.
public enum TerminalRunner {
    /// The event loop: paint, wait up to 100 ms for a key, apply it or tick; on SIGHUP/SIGTERM/SIGINT the
    /// screens save their work before the terminal is restored.
    public static func run(_ app: LabelingApp, terminal: NcursesTerminal) {
        defer { terminal.close() }
        var grid = CellGrid(width: terminal.width, height: terminal.height)
        var needsRedraw = true
        while app.isRunning {
            if terminal.terminationRequested {
                app.quit()
                break
            }
            if needsRedraw {
                if grid.width != terminal.width || grid.height != terminal.height {
                    grid = CellGrid(width: terminal.width, height: terminal.height)
                }
                app.render(into: &grid)
                terminal.paint(grid)
                needsRedraw = false
            }
            if let key = terminal.readKey() {
                app.handle(key)
                needsRedraw = true
            }
            if app.tick() { needsRedraw = true }
        }
    }
}
