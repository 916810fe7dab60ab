/// Building messages: `Envelope.make { $0.heartbeat = Canopy_Wire_Heartbeat() }`.
public enum Envelope {
    /// A message without bulk frames whose envelope `fill` sets.
    public static func make(_ fill: (inout Canopy_Wire_Envelope) -> Void) -> WireMessage {
        var e = Canopy_Wire_Envelope()
        fill(&e)
        return WireMessage(e)
    }
}
