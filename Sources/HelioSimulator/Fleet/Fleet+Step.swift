extension Fleet {
    /// Learns a committed step: the new members with their ids and every dimension change.
    mutating func apply(_ plan: StepPlan, created: StepWriter.Outcome) {
        for user in created.users { add(user) }
        for unit in created.units { add(unit) }
        for device in created.devices { add(device) }
        for change in plan.userStatus { updateUser(change.id) { $0.status = change.status } }
        for change in plan.userEmail { updateUser(change.id) { $0.email = change.email } }
        for change in plan.unitTariff { updateUnit(change.id) { $0.tariffClass = change.tariff } }
        for change in plan.unitOwner { updateUnit(change.id) { $0.userID = change.userID } }
        for change in plan.unitPower { updateUnit(change.id) { $0.installedPowerKWp = change.kwp } }
        for change in plan.deviceFirmware { updateDevice(change.id) { $0.firmware = change.firmware } }
        for change in plan.deviceMoves { updateDevice(change.id) { $0.unitID = change.unitID } }
    }
}
