import Drawing
import Foundation
import RDTCore

/// The labelling scheme as a picture: the average body in a T-pose, labelled, seen from the front,
/// the side (its left) and the back, with the legend.
public enum BodyChart {
    /// The rig in a T-pose on `body`: arms straight out along the shoulder line, the rest at rest.
    public static func tPose(_ model: BodyModel, _ body: ShapedBody) -> RigPose {
        var points = RigPose.rest(body).canonicalPoints(model.rig, body)
        for (side, chain) in [
            (1.0, [BodyPoint.leftShoulder, .leftElbow, .leftWrist, .leftHandTip]),
            (-1.0, [.rightShoulder, .rightElbow, .rightWrist, .rightHandTip]),
        ] {
            var at = points[chain[0]] ?? .zero
            for k in 1..<chain.count {
                let d = (points[chain[k]] ?? .zero) - (points[chain[k - 1]] ?? .zero)
                at += SIMD3(side * (d * d).sum().squareRoot(), 0, 0)
                points[chain[k]] = at
            }
        }
        return RigRetarget.pose(points: Pose(points: points, facing: SIMD3(0, 0, 1)), rig: model.rig, body: body)
    }

    public static func write(_ model: BodyModel, to path: String) throws {
        let body = model.shaped(BodyShape())
        let pose = tPose(model, body)
        let (palette, index) = RenderLabel.palette
        let panels = [0.0, 90, 180].map { angle -> FramePanel in
            var config = RenderConfig()
            (config.width, config.height) = (320, 320)
            (config.minDistance, config.maxDistance) = (3.2, 3.2)
            (config.minHeight, config.maxHeight) = (1.0, 1.0)
            (config.minRotation, config.maxRotation) = (angle, angle)
            var rng = DeterministicRandom(0)
            let frame = MeshRenderer(config: config, model: model).render(body, clothing: Clothing(), pose: pose, rng: &rng)
            return FramePanel(rgb: palette.paint(frame.labels.map { index[Int($0)] }), width: frame.width, height: frame.height)
        }
        let cell = FrameCell(caption: "33 body parts of the mesh body (MakeHuman hm08), T-pose", panels: panels)
        try PNGImage(FrameGrid.draw([cell], columns: 1, titles: ["front", "side (its left)", "back"], palette: palette)).write(path)
    }
}
