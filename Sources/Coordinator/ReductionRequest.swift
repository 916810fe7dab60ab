import RDTCore

/// One node batch as the workers reduce it among themselves: which nodes every holder counts,
/// which siblings the owners derive, who owns which candidates and who finishes which item.
/// A pure value: the same batch, plan and holders give the same request.
struct ReductionRequest: Equatable {
    /// Nodes every holder counts, in order.
    let nodes: [NodeKey]
    /// Per node: its sibling is derived by the owners from the parent's kept slice.
    let derive: [Bool]
    /// What the grower gets back, in order: each counted node, followed by its derived sibling.
    let items: [NodeKey]
    /// Owners in candidate order, and the candidates each owns.
    let owners: [PeerIdentity]
    let ranges: [Range<Int>]

    /// `derived` pairs become counted pairs where the owners cannot derive (`canDerive` false: the
    /// owners kept no slices, or other owners with other ranges kept them).
    init(batch: [NodeKey], derived: [NodeKey: NodeKey], canDerive: Bool, holders: [PeerIdentity], candidates: Int) {
        var nodes: [NodeKey] = [], derive: [Bool] = [], items: [NodeKey] = []
        for key in batch {
            nodes.append(key)
            items.append(key)
            guard let sibling = derived[key] else {
                derive.append(false)
                continue
            }
            derive.append(canDerive)
            if !canDerive { nodes.append(sibling) }
            if !canDerive { derive.append(false) }
            items.append(sibling)
        }
        self.nodes = nodes
        self.derive = derive
        self.items = items
        owners = Self.owners(of: holders, candidates: candidates)
        let count = max(1, owners.count)
        ranges = (0..<count).map { k in (k * candidates / count)..<((k + 1) * candidates / count) }
    }

    /// The owners among `holders` (in join order): the first ones, one per candidate at most.
    static func owners(of holders: [PeerIdentity], candidates: Int) -> [PeerIdentity] {
        Array(holders.prefix(min(holders.count, candidates)))
    }

    /// The owner (index) that finishes item `i`: gathers every owner's best and tells the coordinator.
    func finisher(of item: Int) -> Int { item % owners.count }

    /// The workers that answer the coordinator: the finishers of at least one item.
    var finishers: [PeerIdentity] { Array(owners.prefix(min(owners.count, items.count))) }

    /// The items finisher `index` answers for.
    func items(of index: Int) -> [Int] { items.indices.filter { finisher(of: $0) == index } }
}
