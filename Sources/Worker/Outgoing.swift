import WireProtocol

/// A message the compute queue hands the socket loop: for the coordinator, or for another
/// worker's peer socket (its endpoint and CURVE public key).
enum Outgoing {
    case coordinator(WireMessage)
    case peer(endpoint: String, key: String, WireMessage)
}
